# The shop's texts, in English.
#
# To change them without touching the code: copy this file into your own directory
# (CHECKOUT_LOCALES=/path/to/dir, file en/checkout.ftl) and keep only the messages you
# change; the others keep this text. The { $variables } are filled in by the shop (amounts
# already written "1 500 FCFA").

shop-default-name = Our shop
test-mode-banner = Test mode: no money moves
lang-switch = Français
lang-switch-label = Lire cette page en français

## The payment form
form-title = Pay with mobile money
form-intro = MTN MoMo, Moov Money or Celtiis Cash. You approve the payment on your phone.
phone-label = Your phone number
phone-hint = For example: 01 97 00 01 00
amount-label = Amount (FCFA)
amount-hint = For example: 1 500
first-name-label = First name (optional)
last-name-label = Last name (optional)
pay-button = Pay
pay-sending = Sending…
pay-amount-button = Pay { $amount }
errors-summary = Correct the field marked, then pay again.

## Errors in the form
phone-invalid = This is not a valid Benin number. A Benin number has 10 digits and starts with 01, for example 01 97 00 01 00 (or +229 01 97 00 01 00).
phone-no-carrier = This number is not MTN, Moov or Celtiis for this shop. Use a mobile-money number accepted here ({ $carriers }).
amount-invalid = Write the amount in CFA francs, without cents, for example 1 500 or 1500 FCFA.
amount-too-high = The most you can pay here is { $max }.
amount-too-high-carrier = { $carrier } takes at most { $max } per payment.
name-invalid = Write the name with letters only (50 at most).
form-invalid = The form could not be read. Reload the page and try again.

## Where the payment stands
status-sending-title = Sending the payment request…
status-sending-detail = To { $carrier }, for { $amount }.
status-pending-title = Approve on your phone
status-pending-detail = { $carrier } has asked { $phone } to approve a payment of { $amount }. Enter your PIN on your phone to approve it.
status-confirmed-title = Payment confirmed
status-confirmed-detail = { $amount } paid with { $carrier }. Thank you!
status-failed-title = Payment declined
failed-nothing-taken = No money was taken. You may try again.
decline-insufficient = Insufficient balance: your mobile-money account does not have enough for this payment. Top it up, then try again.
decline-refused = The payment was refused or cancelled on the phone.
decline-expired = The time to approve on the phone ran out.
decline-limit = This payment is over your mobile-money account's limit.
decline-unreachable = The request could not be sent to the carrier.
decline-other = The carrier declined the payment.
status-still-pending-title = Payment still pending
status-still-pending-detail = { $carrier } has not confirmed yet. You may still approve on your phone. Do not pay a second time: the shop keeps checking and this page will update.
status-unknown-title = Payment being checked
status-unknown-detail = We do not have the carrier's answer yet. Do not pay a second time: the shop checks this payment again in a few minutes, for 48 hours.
status-attention-title = The shop is on it
status-attention-detail = { $carrier } has not told us what became of this payment. Do not pay a second time: the shop will check with the carrier and contact you.
contact-shop = A question? Contact { $shop }: { $contact }, giving the reference { $reference }.
contact-shop-no-contact = A question? Contact { $shop }, giving the reference { $reference }.
check-again = Check again
checking = Checking…
check-too-soon = Checked moments ago: try again in a few seconds.
check-failed = The check could not be asked for. Try again in a moment.
reconnecting = Connection lost, reconnecting…
reference-label = Reference
status-checks = Checks: { $checks }

## The order page
order-title = Your order
status-json = status as JSON
new-order = new payment

## Error pages
cross-site-title = Start from the shop's page
cross-site-text = This payment did not come from the shop's own page, so it was not started. Open the shop and pay from there.
rate-limited-title = Too many payments at once
rate-limited-text = Several payments were started from here or to this phone number a short time ago. Nothing more was charged. Please wait { $minutes } minutes, then try again.
not-found-title = Page not found
not-found-text = There is no such page or order.
unavailable-title = Try again shortly
unavailable-text = The shop cannot reach its database right now. Nothing was charged twice: try again in a moment.
back-to-shop = Back to the shop

## Payment links and catalogue
pay-title = Payment
pay-intro = Enter the mobile-money number that pays. You will approve the payment on your phone.
pay-previous-failed = The previous payment did not go through. You may try again.
products-title = Our products
products-none = This shop sells through payment links: use the link it sent you by SMS, WhatsApp or e-mail.
prices-from-shop-title = Choose a product
prices-from-shop-text = Prices are set by the shop: choose a product or use the payment link you received.

## The receipt
receipt-title = Receipt
receipt-refunded-title = Receipt (refunded)
receipt-shop = Shop
receipt-item = Item
receipt-amount = Amount
receipt-date = Date
receipt-carrier = Carrier
receipt-phone = Number
receipt-reference = Payment reference
receipt-merchant-reference = Order reference
receipt-default-item = Mobile-money payment
receipt-print = Print the receipt
receipt-return = Back to the shop's site
benin-time = { $date } at { $time } (Benin time)

## Refund
status-refunded-title = Payment refunded
status-refunded-detail = The { $amount } paid with { $carrier } were refunded to you.

## Card payments
card-or = or
card-button = Pay by card
card-sending = Opening the card page…
card-carrier = Bank card
card-unavailable = Card payments are not available right now. Pay with mobile money or try again later.
card-preparing-title = Preparing the card payment…
card-preparing-detail = We are opening the card payment page for { $amount }.
card-pending-title = Continue on the card payment page
card-pending-detail = Pay { $amount } by card on QosIc's secure page. Once paid, you come back here and this page updates.
card-continue = Continue to the card payment
card-confirmed-detail = { $amount } paid by card. Thank you!
card-failed-title = Card payment not completed
card-declined = Your bank declined the card payment.
card-abandoned = The card payment was abandoned before the end.
card-still-pending-detail = The card payment is not finished yet. If you left the card page, you can go back to it. Do not pay a second time: the shop keeps checking and this page will update.
card-attention-detail = We do not know yet what became of this card payment. Do not pay a second time: the shop will check and contact you.
card-receipt-item = Card payment
