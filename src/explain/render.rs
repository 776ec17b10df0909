//! `explain`'s three renderings of an `Explanation`: text for the terminal, JSON (the
//! documented shape, `EXPLAIN_FORMAT_VERSION`) for tools, Markdown for change tickets. Every
//! Markdown string goes through `syntax::markdown`; decides nothing about what matches.

use std::fmt::Write as _;

use super::{Entry, Explanation, FlowEntry};
use crate::catalog::Document;
use crate::syntax::markdown;

pub(super) fn json(e: &Explanation) -> String {
  crate::syntax::json::document(e)
}

pub(super) fn text(e: &Explanation) -> String {
  let mut out = String::new();
  for entry in &e.entries {
    match entry {
      Entry::NsgRule {
        name,
        priority,
        direction,
        access,
        protocol,
        source,
        destination,
        ports,
        description,
        flow,
      } => {
        let _ = writeln!(
          out,
          "nsg rule {name} (priority {priority}, {direction}, {access} {protocol} from {source} to {destination} ports {ports})"
        );
        match flow {
          Some(f) => text_flow(f, &mut out),
          None => {
            let _ = writeln!(out, "  {description}\n");
          }
        }
      }
      Entry::FirewallRule {
        name,
        group,
        collection,
        flow,
      } => {
        let _ = writeln!(
          out,
          "firewall rule {name} (collection {collection}, group {group})"
        );
        if let Some(f) = flow {
          text_flow(f, &mut out);
        }
      }
      Entry::ManagedNetworkRule {
        name,
        destination_kind,
        comment,
      } => {
        let _ = writeln!(
          out,
          "managed-network rule {name} ({destination_kind})\n  {comment}\n"
        );
      }
      Entry::Flow(f) => text_flow(f, &mut out),
      Entry::DnsRecord {
        name,
        value,
        zone,
        public_name,
        resource,
        sources,
      } => {
        let _ = writeln!(out, "dns record {name} A {value} (zone {zone})");
        if let Some(public) = public_name {
          let _ = writeln!(out, "  public name: {public}");
        }
        let _ = writeln!(out, "  resource: {resource}");
        text_sources("  source", sources, &mut out);
        out.push('\n');
      }
      Entry::HostRecord {
        name,
        value,
        resource,
        sources,
      } => {
        let _ = writeln!(out, "host record {name} A {value} ({resource})");
        text_sources("  source", sources, &mut out);
        out.push('\n');
      }
      Entry::ForwardedZone {
        zone,
        on_premises,
        sources,
      } => {
        let _ = writeln!(out, "forwarded zone {zone} (on-premises too: {on_premises})");
        text_sources("  source", sources, &mut out);
        out.push('\n');
      }
    }
  }
  out
}

fn text_sources(label: &str, sources: &[Document], out: &mut String) {
  for s in sources {
    let _ = writeln!(out, "{label}: {s}");
  }
}

fn text_flow(f: &FlowEntry, out: &mut String) {
  let _ = writeln!(
    out,
    "{} {} {} {} [{}] ({})",
    f.id,
    f.direction,
    f.protocol,
    f.peer,
    f.ports.join(", "),
    if f.required { "required" } else { "situational" }
  );
  let _ = writeln!(out, "  purpose: {}", f.purpose);
  for t in &f.triggers {
    let _ = writeln!(out, "  triggered by: {t}");
  }
  for r in &f.requirements {
    let _ = writeln!(
      out,
      "  catalog {} ({}): {} [{}]",
      r.id,
      r.family,
      r.purpose,
      r.ports.join(", ")
    );
    text_sources("    source", &r.sources, out);
    for c in &r.choices {
      let _ = writeln!(
        out,
        "    choice {} ({}, facts § 6 {}): {}",
        c.id, c.topic, c.facts, c.choice
      );
      let _ = writeln!(out, "      because: {}", c.because);
      text_sources("      side", &c.sides, out);
    }
  }
  out.push('\n');
}

pub(super) fn markdown(e: &Explanation) -> String {
  let mut md = String::from("# Why ");
  md.push_str(&markdown::code(&e.profile));
  match &e.query {
    Some(q) => {
      md.push_str(" has ");
      md.push_str(&markdown::code(q));
    }
    None => md.push_str(" has each rule and record"),
  }
  md.push_str("\n\n");
  for entry in &e.entries {
    match entry {
      Entry::NsgRule {
        name,
        priority,
        direction,
        access,
        protocol,
        source,
        destination,
        ports,
        description,
        flow,
      } => {
        heading(&mut md, "NSG rule", name);
        item(&mut md, "priority", &priority.to_string(), true);
        item(&mut md, "direction", direction, true);
        item(&mut md, "access", access, true);
        item(&mut md, "protocol", protocol, true);
        item(&mut md, "source", source, true);
        item(&mut md, "destination", destination, true);
        item(&mut md, "ports", ports, true);
        match flow {
          Some(f) => markdown_flow(f, &mut md),
          None => item(&mut md, "purpose", description, false),
        }
      }
      Entry::FirewallRule {
        name,
        group,
        collection,
        flow,
      } => {
        heading(&mut md, "Firewall rule", name);
        item(&mut md, "rule collection group", group, true);
        item(&mut md, "rule collection", collection, true);
        if let Some(f) = flow {
          markdown_flow(f, &mut md);
        }
      }
      Entry::ManagedNetworkRule {
        name,
        destination_kind,
        comment,
      } => {
        heading(&mut md, "Managed-network rule", name);
        item(&mut md, "type", destination_kind, true);
        item(&mut md, "purpose", comment, false);
      }
      Entry::Flow(f) => {
        heading(&mut md, "Flow", &f.id);
        markdown_flow(f, &mut md);
      }
      Entry::DnsRecord {
        name,
        value,
        zone,
        public_name,
        resource,
        sources,
      } => {
        heading(&mut md, "DNS record", name);
        item(&mut md, "A", value, true);
        item(&mut md, "zone", zone, true);
        if let Some(public) = public_name {
          item(&mut md, "public name", public, true);
        }
        item(&mut md, "resource", resource, false);
        markdown_documents(&mut md, "", sources);
      }
      Entry::HostRecord {
        name,
        value,
        resource,
        sources,
      } => {
        heading(&mut md, "Host record", name);
        item(&mut md, "A", value, true);
        item(&mut md, "resource", resource, false);
        markdown_documents(&mut md, "", sources);
      }
      Entry::ForwardedZone {
        zone,
        on_premises,
        sources,
      } => {
        heading(&mut md, "Forwarded zone", zone);
        item(
          &mut md,
          "forwarded from on-premises too",
          &on_premises.to_string(),
          true,
        );
        markdown_documents(&mut md, "", sources);
      }
    }
    md.push('\n');
  }
  md
}

fn heading(md: &mut String, what: &str, name: &str) {
  md.push_str("## ");
  md.push_str(what);
  md.push(' ');
  md.push_str(&markdown::code(name));
  md.push_str("\n\n");
}

/// One list item `- label: value`, the value as code (names, addresses) or text (prose).
fn item(md: &mut String, label: &str, value: &str, code: bool) {
  md.push_str("- ");
  md.push_str(label);
  md.push_str(": ");
  if code {
    md.push_str(&markdown::code(value));
  } else {
    markdown::push_text(md, value);
  }
  md.push('\n');
}

fn markdown_documents(md: &mut String, indent: &str, sources: &[Document]) {
  for s in sources {
    md.push_str(indent);
    md.push_str("- document: ");
    markdown::push_document(md, &s.to_string());
    md.push('\n');
  }
}

fn markdown_flow(f: &FlowEntry, md: &mut String) {
  item(md, "flow", &f.id, true);
  item(
    md,
    "traffic",
    &format!(
      "{} {} {} [{}]",
      f.direction,
      f.protocol,
      f.peer,
      f.ports.join(", ")
    ),
    true,
  );
  item(md, "required", &f.required.to_string(), true);
  item(md, "purpose", &f.purpose, false);
  for t in &f.triggers {
    item(md, "triggered by", t, false);
  }
  for r in &f.requirements {
    md.push_str("- catalog ");
    md.push_str(&markdown::code(&r.id));
    md.push_str(" (");
    markdown::push_text(md, &r.family);
    md.push_str("): ");
    markdown::push_text(md, &r.purpose);
    md.push('\n');
    markdown_documents(md, "  ", &r.sources);
    for c in &r.choices {
      md.push_str("  - choice ");
      md.push_str(&markdown::code(&c.id));
      md.push_str(": ");
      markdown::push_text(md, &format!("{} (because {})", c.choice, c.because));
      md.push('\n');
      markdown_documents(md, "    ", &c.sides);
    }
  }
}
