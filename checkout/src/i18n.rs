//! The shop's words, in French first and in English: [`Catalogue`], a set of
//! [Fluent](https://projectfluent.org) files that a merchant edits without touching the code.
//!
//! The built-in texts are `checkout/locales/fr/checkout.ftl` and
//! `checkout/locales/en/checkout.ftl`, compiled in. A merchant's own directory
//! ([`crate::Config::locales_dir`], `CHECKOUT_LOCALES`) holds the same layout
//! (`fr/checkout.ftl`, `en/checkout.ftl`); each message found there replaces the built-in one
//! of that name, and every message it does not have keeps the built-in text.
//!
//! **Which language.** [`negotiate`]: the page's switch (`?lang=en`, remembered in the
//! `checkout_lang` cookie), else the browser's `Accept-Language`, else French.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language the shop speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// French: the default.
    #[default]
    Fr,
    /// English.
    En,
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// The language's code, as in `<html lang>`: `fr`, `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The language of a code or tag (`fr`, `en-GB`, `FR-bj`…), if the shop speaks it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        Lang::ALL
            .into_iter()
            .find(|lang| primary.eq_ignore_ascii_case(lang.code()))
    }

    fn builtin(self) -> &'static str {
        match self {
            Lang::Fr => include_str!("../locales/fr/checkout.ftl"),
            Lang::En => include_str!("../locales/en/checkout.ftl"),
        }
    }
}

/// The cookie that remembers the language chosen with the page's switch.
pub const LANG_COOKIE: &str = "checkout_lang";

/// The language of a request: `?lang=` (the switch), the [`LANG_COOKIE`] cookie, then the
/// `Accept-Language` header (its languages by quality, the first the shop speaks), then
/// French.
///
/// ```
/// use qosic_checkout::i18n::{negotiate, Lang};
/// assert_eq!(negotiate(None, None, Some("en-US,en;q=0.9")), Lang::En);
/// assert_eq!(negotiate(None, None, Some("de, fr;q=0.5, en;q=0.4")), Lang::Fr);
/// assert_eq!(negotiate(Some("en"), None, Some("fr")), Lang::En);
/// assert_eq!(negotiate(None, None, None), Lang::Fr);
/// ```
pub fn negotiate(query: Option<&str>, cookie: Option<&str>, accept: Option<&str>) -> Lang {
    if let Some(lang) = query.and_then(Lang::from_tag) {
        return lang;
    }
    if let Some(lang) = cookie.and_then(Lang::from_tag) {
        return lang;
    }
    let Some(accept) = accept else {
        return Lang::default();
    };
    let mut ranked: Vec<(u16, usize, Lang)> = Vec::new();
    for (i, item) in accept.split(',').take(32).enumerate() {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default();
        let quality = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1000), |q| {
                q.trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))
                    .map(|q| (q * 1000.0).round() as u16)
            });
        match (Lang::from_tag(tag), quality) {
            (Some(lang), Some(q)) if q > 0 => ranked.push((q, i, lang)),
            _ => {}
        }
    }
    // The highest quality; among equals, the first listed.
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.first().map_or(Lang::default(), |&(_, _, lang)| lang)
}

fn query_lang(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
}

fn cookie_lang(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(LANG_COOKIE)?.strip_prefix('='))
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Lang, Self::Rejection> {
        let accept = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Ok(negotiate(
            query_lang(parts.uri.query()),
            cookie_lang(&parts.headers),
            accept,
        ))
    }
}

/// Middleware: a request with `?lang=fr` or `?lang=en` (the page's switch) gets its answer
/// with a cookie that keeps that language for the next pages.
pub async fn remember_choice(request: Request, next: Next) -> Response {
    let chosen = query_lang(request.uri().query()).and_then(Lang::from_tag);
    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Why the merchant's translation files could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalesError(String);

impl fmt::Display for LocalesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LocalesError {}

/// The shop's texts in every language it speaks.
pub struct Catalogue {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

impl fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalogue").finish_non_exhaustive()
    }
}

fn parse(source: String, name: &str) -> Result<FluentResource, LocalesError> {
    FluentResource::try_new(source).map_err(|(_, errors)| {
        let first = errors.first().map(|e| format!("{e:?}")).unwrap_or_default();
        LocalesError(format!(
            "{name} is not a valid Fluent file ({} errors; the first: {first}); \
             expected lines such as `pay-button = Payer`",
            errors.len()
        ))
    })
}

impl Catalogue {
    /// The built-in texts only.
    pub fn builtin() -> Catalogue {
        Catalogue::load(None).unwrap_or_else(|_| Catalogue {
            bundles: Vec::new(),
        })
    }

    /// The built-in texts, with the messages of `dir/LANG/checkout.ftl` in their place where
    /// such a file exists. A file that cannot be read or is not valid Fluent is an error
    /// naming it.
    pub fn load(dir: Option<&Path>) -> Result<Catalogue, LocalesError> {
        let mut bundles = Vec::new();
        for lang in Lang::ALL {
            let id: LanguageIdentifier = lang
                .code()
                .parse()
                .map_err(|_| LocalesError(format!("bad language code {}", lang.code())))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // No Unicode isolation marks around values: they would show in plain-text
            // contexts (titles, JSON) and in tests.
            bundle.set_use_isolating(false);
            let builtin = parse(lang.builtin().to_owned(), "the built-in catalogue")?;
            bundle
                .add_resource(builtin)
                .map_err(|e| LocalesError(format!("the built-in catalogue: {e:?}")))?;
            if let Some(dir) = dir {
                let path = dir.join(lang.code()).join("checkout.ftl");
                match std::fs::read_to_string(&path) {
                    Ok(source) => {
                        let name = path.display().to_string();
                        bundle.add_resource_overriding(parse(source, &name)?);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(LocalesError(format!("cannot read {}: {e}", path.display())))
                    }
                }
            }
            bundles.push((lang, bundle));
        }
        Ok(Catalogue { bundles })
    }

    /// The texts in `lang`.
    pub fn texts(&self, lang: Lang) -> Texts<'_> {
        Texts {
            catalogue: self,
            lang,
        }
    }

    fn format(&self, lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
        let (_, bundle) = self.bundles.iter().find(|(l, _)| *l == lang)?;
        let pattern = bundle.get_message(id)?.value()?;
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        Some(text.into_owned())
    }
}

/// The texts of one language.
#[derive(Debug, Clone, Copy)]
pub struct Texts<'a> {
    catalogue: &'a Catalogue,
    lang: Lang,
}

impl Texts<'_> {
    /// The language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The same catalogue's texts in another language.
    pub fn in_lang(&self, lang: Lang) -> Texts<'_> {
        Texts {
            catalogue: self.catalogue,
            lang,
        }
    }

    /// The message `id`, plain text (to be escaped for HTML). A message missing in this
    /// language falls back to French, then to its id.
    pub fn t(&self, id: &str) -> String {
        self.with(id, &[])
    }

    /// The message `id` with its variables (`{ $amount }`…).
    pub fn with(&self, id: &str, vars: &[(&str, Cow<'_, str>)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in vars {
            args.set(*name, FluentValue::from(value.to_string()));
        }
        let args = (!vars.is_empty()).then_some(&args);
        self.catalogue
            .format(self.lang, id, args)
            .or_else(|| self.catalogue.format(Lang::Fr, id, args))
            .unwrap_or_else(|| id.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_unless_the_customer_asks_for_english() {
        assert_eq!(negotiate(None, None, None), Lang::Fr);
        assert_eq!(negotiate(None, None, Some("")), Lang::Fr);
        assert_eq!(negotiate(None, None, Some("en")), Lang::En);
        assert_eq!(negotiate(None, None, Some("en-GB,en;q=0.8")), Lang::En);
        assert_eq!(
            negotiate(None, None, Some("fr-BJ,fr;q=0.9,en;q=0.8")),
            Lang::Fr
        );
        assert_eq!(negotiate(None, None, Some("de-DE, en;q=0.5")), Lang::En);
        assert_eq!(negotiate(None, None, Some("en;q=0.3, fr;q=0.7")), Lang::Fr);
        assert_eq!(negotiate(None, None, Some("en;q=0, de")), Lang::Fr);
        assert_eq!(negotiate(None, None, Some("yo, ha")), Lang::Fr);
        assert_eq!(negotiate(None, None, Some("en;q=abc")), Lang::Fr);
        assert_eq!(negotiate(None, None, Some("*")), Lang::Fr);
        // The switch wins, then the cookie it sets.
        assert_eq!(negotiate(Some("en"), Some("fr"), Some("fr")), Lang::En);
        assert_eq!(negotiate(None, Some("en"), Some("fr")), Lang::En);
        assert_eq!(negotiate(Some("xx"), Some("en"), None), Lang::En);
    }

    #[test]
    fn reads_the_switch_and_the_cookie_from_a_request() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; checkout_lang=en"),
        );
        assert_eq!(cookie_lang(&headers), Some("en"));
        assert_eq!(query_lang(Some("x=1&lang=fr")), Some("fr"));
        assert_eq!(query_lang(Some("slang=fr")), None);
    }

    #[test]
    fn every_builtin_message_exists_in_both_languages() {
        let ids = |lang: Lang| {
            let resource = FluentResource::try_new(lang.builtin().to_owned())
                .unwrap_or_else(|(_, e)| panic!("{lang:?}: {e:?}"));
            let mut ids: Vec<String> = resource
                .entries()
                .filter_map(|entry| match entry {
                    fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                    _ => None,
                })
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(ids(Lang::Fr), ids(Lang::En));
        assert!(ids(Lang::Fr).len() > 30);
    }

    #[test]
    fn a_merchant_file_replaces_only_the_messages_it_has() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("fr")).unwrap();
        std::fs::write(
            dir.path().join("fr/checkout.ftl"),
            "pay-button = Régler maintenant\n",
        )
        .unwrap();
        let catalogue = Catalogue::load(Some(dir.path())).unwrap();
        let fr = catalogue.texts(Lang::Fr);
        assert_eq!(fr.t("pay-button"), "Régler maintenant");
        assert_eq!(
            fr.t("form-title"),
            Catalogue::builtin().texts(Lang::Fr).t("form-title")
        );
        assert_eq!(catalogue.texts(Lang::En).t("pay-button"), "Pay");
        assert_eq!(
            fr.with("amount-too-high", &[("max", "5 000 FCFA".into())]),
            "Le montant maximum ici est de 5 000 FCFA."
        );

        std::fs::write(dir.path().join("fr/checkout.ftl"), "pay-button = {\n").unwrap();
        let err = Catalogue::load(Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("fr/checkout.ftl is not a valid Fluent file"),
            "{err}"
        );
    }
}
