# Les textes de la boutique, en français.
#
# Pour les changer sans toucher au code : copiez ce fichier dans votre dossier
# (CHECKOUT_LOCALES=/chemin/du/dossier, fichier fr/checkout.ftl) et gardez-y seulement
# les messages à changer ; les autres gardent ce texte. Les { $variables } sont remplies
# par la boutique (montants déjà écrits « 1 500 FCFA »).

shop-default-name = Notre boutique
test-mode-banner = Mode test : aucun argent ne circule
lang-switch = English
lang-switch-label = Read this page in English

## Le formulaire de paiement
form-title = Payer par mobile money
form-intro = MTN MoMo, Moov Money ou Celtiis Cash. Vous confirmez le paiement sur votre téléphone.
phone-label = Votre numéro de téléphone
phone-hint = Exemple : 01 97 00 01 00
amount-label = Montant (FCFA)
amount-hint = Exemple : 1 500
first-name-label = Prénom (facultatif)
last-name-label = Nom (facultatif)
pay-button = Payer
pay-sending = Envoi en cours…
pay-amount-button = Payer { $amount }
errors-summary = Corrigez le champ signalé, puis payez à nouveau.

## Erreurs dans le formulaire
phone-invalid = Ce numéro n'est pas un numéro béninois valide. Un numéro béninois a 10 chiffres et commence par 01, par exemple 01 97 00 01 00 (ou +229 01 97 00 01 00).
phone-no-carrier = Ce numéro n'est ni MTN, ni Moov, ni Celtiis pour cette boutique. Utilisez un numéro mobile money accepté ici ({ $carriers }).
amount-invalid = Écrivez le montant en francs CFA, sans centimes, par exemple 1 500 ou 1500 FCFA.
amount-too-high = Le montant maximum ici est de { $max }.
amount-too-high-carrier = { $carrier } accepte au plus { $max } par paiement.
name-invalid = Écrivez le nom avec des lettres seulement (au plus 50).
form-invalid = Le formulaire n'a pas pu être lu. Rechargez la page et réessayez.

## Où en est le paiement
status-sending-title = Envoi de la demande de paiement…
status-sending-detail = Vers { $carrier }, pour { $amount }.
status-pending-title = Confirmez sur votre téléphone
status-pending-detail = { $carrier } a envoyé au { $phone } une demande de paiement de { $amount }. Tapez votre code secret sur votre téléphone pour confirmer.
status-confirmed-title = Paiement confirmé
status-confirmed-detail = { $amount } payés avec { $carrier }. Merci !
status-failed-title = Paiement refusé
failed-nothing-taken = Aucun argent n'a été prélevé. Vous pouvez réessayer.
decline-insufficient = Solde insuffisant : votre compte mobile money n'a pas assez d'argent pour ce paiement. Rechargez-le, puis réessayez.
decline-refused = Le paiement a été refusé ou annulé sur le téléphone.
decline-expired = Le délai pour confirmer sur le téléphone est dépassé.
decline-limit = Ce paiement dépasse la limite de votre compte mobile money.
decline-unreachable = La demande n'a pas pu être envoyée à l'opérateur.
decline-other = L'opérateur a refusé le paiement.
status-still-pending-title = Paiement toujours en attente
status-still-pending-detail = { $carrier } n'a pas encore confirmé. Vous pouvez encore valider sur votre téléphone. Ne payez pas une deuxième fois : la boutique continue de vérifier et cette page se mettra à jour.
status-unknown-title = Paiement en cours de vérification
status-unknown-detail = Nous n'avons pas encore la réponse de l'opérateur. Ne payez pas une deuxième fois : la boutique vérifie ce paiement à nouveau dans quelques minutes, pendant 48 heures.
status-attention-title = La boutique s'en occupe
status-attention-detail = { $carrier } ne nous a pas dit ce qu'est devenu ce paiement. Ne payez pas une deuxième fois : la boutique va vérifier avec l'opérateur et vous contacter.
contact-shop = Une question ? Contactez { $shop } : { $contact }, en donnant la référence { $reference }.
contact-shop-no-contact = Une question ? Contactez { $shop } en donnant la référence { $reference }.
check-again = Vérifier à nouveau
checking = Vérification en cours…
check-too-soon = Vérifié il y a un instant : réessayez dans quelques secondes.
check-failed = La vérification n'a pas pu être demandée. Réessayez dans un instant.
reconnecting = Connexion perdue, reconnexion…
reference-label = Référence
status-checks = Vérifications : { $checks }

## La page de la commande
order-title = Votre commande
status-json = état en JSON
new-order = nouveau paiement

## Pages d'erreur
cross-site-title = Commencez depuis la page de la boutique
cross-site-text = Ce paiement ne vient pas de la page de la boutique, il n'a donc pas été lancé. Ouvrez la boutique et payez depuis celle-ci.
rate-limited-title = Trop de paiements à la fois
rate-limited-text = Plusieurs paiements ont été lancés d'ici ou vers ce numéro il y a peu. Rien de plus n'a été prélevé. Attendez { $minutes } minutes, puis réessayez.
not-found-title = Page introuvable
not-found-text = Cette page ou cette commande n'existe pas.
unavailable-title = Réessayez dans un instant
unavailable-text = La boutique ne peut pas joindre sa base de données pour le moment. Rien n'a été prélevé deux fois : réessayez dans un instant.
back-to-shop = Retour à la boutique

## Liens de paiement et catalogue
pay-title = Paiement
pay-intro = Entrez le numéro mobile money qui paie. Vous confirmerez le paiement sur votre téléphone.
pay-previous-failed = Le paiement précédent n'a pas abouti. Vous pouvez réessayer.
products-title = Nos produits
products-none = Cette boutique vend par lien de paiement : utilisez le lien qu'elle vous a envoyé par SMS, WhatsApp ou e-mail.
prices-from-shop-title = Choisissez un produit
prices-from-shop-text = Les prix sont fixés par la boutique : choisissez un produit ou utilisez le lien de paiement reçu.

## Le reçu
receipt-title = Reçu
receipt-refunded-title = Reçu (remboursé)
receipt-shop = Boutique
receipt-item = Article
receipt-amount = Montant
receipt-date = Date
receipt-carrier = Opérateur
receipt-phone = Numéro
receipt-reference = Référence du paiement
receipt-merchant-reference = Référence de la commande
receipt-default-item = Paiement mobile money
receipt-print = Imprimer le reçu
receipt-return = Retour au site de la boutique
benin-time = { $date } à { $time } (heure du Bénin)

## Remboursement
status-refunded-title = Paiement remboursé
status-refunded-detail = Les { $amount } payés avec { $carrier } vous ont été remboursés.

## Paiement par carte
card-or = ou
card-button = Payer par carte
card-sending = Ouverture de la page de paiement…
card-carrier = Carte bancaire
card-unavailable = Le paiement par carte n'est pas disponible pour le moment. Payez par mobile money ou réessayez plus tard.
card-preparing-title = Préparation du paiement par carte…
card-preparing-detail = Nous ouvrons la page de paiement par carte pour { $amount }.
card-pending-title = Continuez sur la page de paiement par carte
card-pending-detail = Payez { $amount } par carte sur la page sécurisée de QosIc. Une fois le paiement fait, vous revenez ici et cette page se met à jour.
card-continue = Continuer vers le paiement par carte
card-confirmed-detail = { $amount } payés par carte. Merci !
card-failed-title = Paiement par carte non abouti
card-declined = Votre banque a refusé le paiement par carte.
card-abandoned = Le paiement par carte a été abandonné avant la fin.
card-still-pending-detail = Le paiement par carte n'est pas encore terminé. Si vous avez quitté la page de paiement, vous pouvez y retourner. Ne payez pas une deuxième fois : la boutique continue de vérifier et cette page se mettra à jour.
card-attention-detail = Nous ne savons pas encore ce qu'est devenu ce paiement par carte. Ne payez pas une deuxième fois : la boutique va vérifier et vous contacter.
card-receipt-item = Paiement par carte
