//! Integration tests of the fake QosIc server, through HTTP, in-process and the binary.

mod admin;
mod binary;
mod callback_delivery;
mod callbacks;
mod carriers;
mod endpoints;
mod faults;
mod journal;
mod layout;
mod limits;
mod reading;
mod subscribers;
mod support;
mod verify;
mod wire;
