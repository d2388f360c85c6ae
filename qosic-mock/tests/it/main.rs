//! Integration tests of the fake QosIc server, through HTTP, in-process and the binary.

mod admin;
mod binary;
mod callback_delivery;
mod callback_settings;
mod callbacks;
mod carriers;
mod cli;
mod endpoints;
mod faults;
mod held;
mod journal;
mod layout;
mod limits;
mod reading;
mod subscribers;
mod support;
mod verify;
mod wire;
