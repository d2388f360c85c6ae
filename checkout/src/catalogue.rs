//! The merchant's products and prices: a TOML file (`--catalogue products.toml`,
//! `CHECKOUT_CATALOGUE`), read once at start. With a catalogue, customers pick a product and
//! type only their phone number: the price is the catalogue's, never theirs.
//!
//! ```toml
//! [[product]]
//! id = "wax-6-yards"          # letters, digits, - or _: the page is /products/wax-6-yards
//! name = "Tissu wax, 6 yards"
//! price = 15000               # whole FCFA; "15 000" reads too
//! image = "https://example.com/wax.jpg"   # optional: https:// or a path on the shop
//! ```

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

/// One product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// Its id, in its page's address.
    pub id: String,
    /// Its name, as customers see it.
    pub name: String,
    /// Its price, whole XOF.
    pub price: u64,
    /// The address of its picture.
    pub image: Option<String>,
}

/// The products, in the file's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Products {
    items: Vec<Product>,
}

/// Why the catalogue file cannot be used: the file, the product and the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueError(String);

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CatalogueError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    product: Vec<RawProduct>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProduct {
    id: String,
    name: String,
    price: toml::Value,
    #[serde(default)]
    image: Option<String>,
}

/// The most products a catalogue may hold.
pub const MAX_PRODUCTS: usize = 10_000;

impl Products {
    /// Reads and checks a catalogue file.
    pub fn load(path: &Path, max_amount: u64) -> Result<Products, CatalogueError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CatalogueError(format!("cannot read the catalogue {}: {e}", path.display()))
        })?;
        Products::parse(&text, max_amount)
            .map_err(|CatalogueError(e)| CatalogueError(format!("{}: {e}", path.display())))
    }

    /// Checks a catalogue's text: every product has an id (letters, digits, `-`, `_`; 64 at
    /// most; unique), a name (200 characters at most), a price (whole XOF, 1 to
    /// `max_amount`), and an image that is an `https://` address or a path.
    pub fn parse(text: &str, max_amount: u64) -> Result<Products, CatalogueError> {
        let file: File = toml::from_str(text).map_err(|e| {
            CatalogueError(format!(
                "not a catalogue ({}); expected [[product]] tables with id, name, price and an optional image",
                e.message()
            ))
        })?;
        if file.product.len() > MAX_PRODUCTS {
            return Err(CatalogueError(format!(
                "{} products: at most {MAX_PRODUCTS}",
                file.product.len()
            )));
        }
        let mut seen = HashSet::new();
        let mut items = Vec::with_capacity(file.product.len());
        for (i, raw) in file.product.into_iter().enumerate() {
            let at = |field: &str, expected: &str| {
                CatalogueError(format!(
                    "product {} ({:?}): invalid {field}: expected {expected}",
                    i + 1,
                    raw.id
                ))
            };
            if !is_id(&raw.id) {
                return Err(at("id", "1 to 64 letters, digits, - or _"));
            }
            if !seen.insert(raw.id.clone()) {
                return Err(at("id", "an id no other product has"));
            }
            let name = raw.name.trim().to_owned();
            if name.is_empty() || name.chars().count() > 200 {
                return Err(at("name", "1 to 200 characters"));
            }
            let price = match &raw.price {
                toml::Value::Integer(n) => u64::try_from(*n).ok().filter(|&n| n > 0),
                toml::Value::String(s) => crate::amount::parse_xof(s).ok(),
                _ => None,
            }
            .filter(|&n| n <= max_amount);
            let Some(price) = price else {
                return Err(at(
                    "price",
                    &format!("a whole number of XOF from 1 to {max_amount}, e.g. 15000"),
                ));
            };
            let image = raw.image.map(|s| s.trim().to_owned());
            if let Some(image) = &image {
                if !(image.starts_with("https://") || image.starts_with('/')) {
                    return Err(at(
                        "image",
                        "an https:// address or a path such as /static/x.png",
                    ));
                }
            }
            items.push(Product {
                id: raw.id,
                name,
                price,
                image,
            });
        }
        Ok(Products { items })
    }

    /// The product with this id.
    pub fn get(&self, id: &str) -> Option<&Product> {
        self.items.iter().find(|p| p.id == id)
    }

    /// Every product, in the file's order.
    pub fn all(&self) -> &[Product] {
        &self.items
    }
}

fn is_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_products_with_their_prices() {
        let products = Products::parse(
            r#"
            [[product]]
            id = "wax"
            name = "Tissu wax"
            price = 15000
            [[product]]
            id = "bissap_1l"
            name = "Bissap, 1 litre"
            price = "1 500"
            image = "/static/bissap.jpg"
            "#,
            2_000_000,
        )
        .unwrap();
        assert_eq!(products.all().len(), 2);
        assert_eq!(products.get("wax").unwrap().price, 15_000);
        assert_eq!(products.get("bissap_1l").unwrap().price, 1500);
        assert!(products.get("nope").is_none());
    }

    #[test]
    fn a_wrong_product_is_named_with_its_field() {
        for (text, expected) in [
            (
                "[[product]]\nid = \"a b\"\nname = \"x\"\nprice = 1",
                "product 1 (\"a b\"): invalid id",
            ),
            (
                "[[product]]\nid = \"a\"\nname = \"x\"\nprice = 0",
                "product 1 (\"a\"): invalid price: expected a whole number of XOF from 1 to 5000",
            ),
            (
                "[[product]]\nid = \"a\"\nname = \"x\"\nprice = 5001",
                "invalid price",
            ),
            (
                "[[product]]\nid = \"a\"\nname = \"x\"\nprice = 1.5",
                "invalid price",
            ),
            (
                "[[product]]\nid = \"a\"\nname = \"x\"\nprice = 1\n[[product]]\nid = \"a\"\nname = \"y\"\nprice = 2",
                "product 2 (\"a\"): invalid id: expected an id no other product has",
            ),
            (
                "[[product]]\nid = \"a\"\nname = \" \"\nprice = 1",
                "invalid name",
            ),
            (
                "[[product]]\nid = \"a\"\nname = \"x\"\nprice = 1\nimage = \"javascript:x\"",
                "invalid image",
            ),
            ("[[product]]\nid = \"a\"\nprice = 1", "not a catalogue"),
            ("[[product]]\nid = \"a\"\nname = \"x\"\nprice = 1\ncolour = 2", "not a catalogue"),
        ] {
            let err = Products::parse(text, 5000).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
