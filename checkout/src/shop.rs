//! The merchant's own settings, read from the environment ([`from_env`]) and checked before
//! the shop starts ([`check`]).
//!
//! | variable | what |
//! |---|---|
//! | `CHECKOUT_SHOP_NAME` | the shop's name on every page and receipt |
//! | `CHECKOUT_SHOP_CONTACT` | how customers reach the shop about an order (phone, WhatsApp, e-mail) |
//! | `CHECKOUT_SHOP_COLOUR` | the shop's colour, `#RRGGBB` or `#RGB` |
//! | `CHECKOUT_SHOP_LOGO` | the logo's address: a path on this shop or an `https://` URL |
//! | `CHECKOUT_CATALOGUE` | the catalogue file (or `--catalogue`): products and prices ([`crate::catalogue`]) |
//! | `CHECKOUT_API_KEY` | the key of the merchant's backend for `POST /api/orders` ([`crate::links`]) |
//! | `CHECKOUT_PUBLIC_URL` | the shop's public address, for the links the API answers with |
//! | `CHECKOUT_WEBHOOK_URL`, `CHECKOUT_WEBHOOK_SECRET` | where the signed events go, and their key ([`crate::events`]) |
//! | `CHECKOUT_LOCALES` | a directory of the merchant's texts: `fr/checkout.ftl`, `en/checkout.ftl` ([`crate::i18n`]) |

use std::path::PathBuf;

use crate::config::Config;

/// Sets the shop's settings of `config` from the environment (`env` reads a variable; blank
/// counts as unset). A wrong value is an error naming the variable and the expected form.
pub fn from_env(config: &mut Config, env: impl Fn(&str) -> Option<String>) -> Result<(), String> {
    if let Some(name) = env("CHECKOUT_SHOP_NAME") {
        config.shop_name = name.trim().to_owned();
    }
    config.shop_contact = env("CHECKOUT_SHOP_CONTACT").map(|c| c.trim().to_owned());
    if let Some(colour) = env("CHECKOUT_SHOP_COLOUR") {
        config.shop_colour = Some(crate::assets::brand_colour(&colour)?);
    }
    if let Some(logo) = env("CHECKOUT_SHOP_LOGO") {
        let logo = logo.trim();
        if !(logo.starts_with('/') || logo.starts_with("https://")) {
            return Err(format!(
                "invalid CHECKOUT_SHOP_LOGO {logo:?}: expected a path on this shop (/logo.png) or an https:// address"
            ));
        }
        config.shop_logo = Some(logo.to_owned());
    }
    if let Some(dir) = env("CHECKOUT_LOCALES") {
        config.locales_dir = Some(PathBuf::from(dir.trim()));
    }
    if let Some(path) = env("CHECKOUT_CATALOGUE") {
        config.catalogue = Some(PathBuf::from(path.trim()));
    }
    config.api_key = env("CHECKOUT_API_KEY").map(|k| qosic::Secret::from(k.trim()));
    if let Some(url) = env("CHECKOUT_PUBLIC_URL") {
        let url = url.trim().trim_end_matches('/');
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!(
                "invalid CHECKOUT_PUBLIC_URL {url:?}: expected the shop's address, such as https://pay.example.bj"
            ));
        }
        config.public_url = Some(url.to_owned());
    }
    if let Some(url) = env("CHECKOUT_WEBHOOK_URL") {
        let url = url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!(
                "invalid CHECKOUT_WEBHOOK_URL {url:?}: expected the address of your server's receiver, such as https://shop.example.bj/checkout-events"
            ));
        }
        let Some(secret) = env("CHECKOUT_WEBHOOK_SECRET").filter(|s| s.trim().len() >= 16) else {
            return Err(
                "CHECKOUT_WEBHOOK_URL is set but CHECKOUT_WEBHOOK_SECRET is not (or is shorter than 16 characters): set a long random secret, the key your receiver verifies the events' signatures with"
                    .to_owned(),
            );
        };
        config.webhook_url = Some(url.to_owned());
        config.webhook_secret = Some(qosic::Secret::from(secret.trim()));
    }
    Ok(())
}

/// Checks the shop's settings: the merchant's texts load, the colour is one. The error names
/// what to fix.
pub fn check(config: &Config) -> Result<(), String> {
    if let Some(dir) = &config.locales_dir {
        if !dir.is_dir() {
            return Err(format!(
                "CHECKOUT_LOCALES: {} is not a directory (expected one holding fr/checkout.ftl and/or en/checkout.ftl)",
                dir.display()
            ));
        }
    }
    crate::i18n::Catalogue::load(config.locales_dir.as_deref()).map_err(|e| e.to_string())?;
    if let Some(colour) = &config.shop_colour {
        crate::assets::brand_colour(colour)?;
    }
    if let Some(path) = &config.catalogue {
        crate::catalogue::Products::load(path, config.max_amount).map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_shop_settings_come_from_the_environment() {
        let mut config = Config::default();
        from_env(
            &mut config,
            env(&[
                ("CHECKOUT_SHOP_NAME", " Chez Adjoa "),
                ("CHECKOUT_SHOP_CONTACT", "+229 01 97 00 00 00"),
                ("CHECKOUT_SHOP_COLOUR", "#c60"),
                ("CHECKOUT_SHOP_LOGO", "/static/logo.png"),
            ]),
        )
        .unwrap();
        assert_eq!(config.shop_name, "Chez Adjoa");
        assert_eq!(config.shop_colour.as_deref(), Some("#c60"));
        assert!(check(&config).is_ok());
        let err =
            from_env(&mut config, env(&[("CHECKOUT_SHOP_LOGO", "javascript:x")])).unwrap_err();
        assert!(err.contains("CHECKOUT_SHOP_LOGO"), "{err}");
        let err = from_env(&mut config, env(&[("CHECKOUT_SHOP_COLOUR", "red")])).unwrap_err();
        assert!(err.contains("CHECKOUT_SHOP_COLOUR"), "{err}");
        config.locales_dir = Some(PathBuf::from("/nonexistent/locales"));
        let err = check(&config).unwrap_err();
        assert!(err.contains("CHECKOUT_LOCALES"), "{err}");
    }

    #[test]
    fn events_need_a_secret_of_16_characters_at_least() {
        let url = ("CHECKOUT_WEBHOOK_URL", "https://shop.example.bj/events");
        let mut config = Config::default();
        for vars in [
            vec![url],
            vec![url, ("CHECKOUT_WEBHOOK_SECRET", "0123456789abcde")],
            vec![url, ("CHECKOUT_WEBHOOK_SECRET", "  0123456789abcde  ")],
        ] {
            let err = from_env(&mut config, env(&vars)).unwrap_err();
            assert!(err.contains("shorter than 16 characters"), "{err}");
            assert!(config.webhook_url.is_none(), "{vars:?}");
        }
        from_env(
            &mut config,
            env(&[url, ("CHECKOUT_WEBHOOK_SECRET", "0123456789abcdef")]),
        )
        .unwrap();
        assert_eq!(config.webhook_url.as_deref(), Some(url.1));
        assert_eq!(
            config
                .webhook_secret
                .as_ref()
                .map(|s| s.expose().to_owned()),
            Some("0123456789abcdef".to_owned())
        );
        // Tried for 24 hours by default.
        assert_eq!(config.webhook_period, Duration::from_secs(24 * 3600));
        let err = from_env(
            &mut config,
            env(&[
                ("CHECKOUT_WEBHOOK_URL", "shop.example.bj/events"),
                ("CHECKOUT_WEBHOOK_SECRET", "0123456789abcdef"),
            ]),
        )
        .unwrap_err();
        assert!(err.contains("invalid CHECKOUT_WEBHOOK_URL"), "{err}");
    }
}
