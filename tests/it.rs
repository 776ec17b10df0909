//! The one integration-test binary. Each module's first line says what it covers.

mod support;

mod catalog;
mod checkers;
mod cli;
mod diff;
mod dns_servers;
mod errors;
mod expand;
mod fuzz;
mod golden;
mod limits;
mod out_dir;
