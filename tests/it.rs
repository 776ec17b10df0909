//! The one integration-test binary. Each module's first line says what it covers.

mod support;

mod architecture;
mod catalog;
mod checkers;
mod cli;
mod codes;
mod deployability;
mod diff;
mod diff_access;
mod diff_releases;
mod dns_servers;
mod errors;
mod eval;
mod expand;
mod explain;
mod firewall_plan;
mod fleet;
mod fleet_checkers;
mod fqdn_list;
mod fuzz;
mod golden;
mod hostile;
mod import_firewall;
mod limits;
mod network;
mod out_dir;
mod query;
mod syntax;
