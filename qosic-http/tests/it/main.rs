//! Integration tests of qosic-http against loopback servers: the small hyper server of
//! `support` (plain HTTP and HTTPS with a certificate made in the test). Nothing reaches the
//! internet.

mod errors;
mod limits;
mod logging;
mod pool;
mod support;
mod timeouts;
mod tls;
mod wire;
