//! Hostile and edge values. Every hostile string carries `MARKER`, so the properties can tell
//! injected text from generated text; none starts with it.

use super::mutate::Rng;

pub const MARKER: &str = "PWNED";

/// Strings no profile value should carry into an artifact unescaped.
pub fn hostile(rng: &mut Rng) -> String {
  let m = MARKER;
  let fixed = [
    format!("a\n{m}"),
    format!("a\r\n{m} x"),
    format!("x'; {m}; '"),
    format!("x\"; {m}; \""),
    format!("$({m})"),
    format!("`{m}`"),
    format!("${{{m}}}"),
    format!("%{{{m}}}"),
    format!("[concat('{m}')]"),
    format!("<!--{m}-->"),
    format!("a\0{m}"),
    format!("a\x7f{m}"),
    format!("a\u{85}{m}"),
    format!("a\u{9b}{m}"),
    format!("a\x1b[2J\x1b]0;{m}\x07"),
    format!("a\u{2028}{m}"),
    format!("\u{202e}{m}\u{202c}"),
    format!("\u{2066}{m}\u{2069}"),
    format!("\u{feff}{m}"),
    format!("a\\n{m}"),
    format!("a\\\n{m}"),
    format!("; {m}"),
    format!("# {m}"),
    format!("}} {m} {{"),
    format!("x\" {m} \"y"),
    format!("x.{m}.com"),
    format!("-{m}"),
    format!("*.{m}"),
    format!("xn--{m}"),
    format!("a\t{m}"),
    format!("a b\n[{m}]"),
    format!("{}{m}", "x".repeat(10 * 1024)),
    "x".repeat(10 * 1024),
    format!("{}{m}", "x".repeat(1000)),
    String::new(),
    " ".into(),
    "*".into(),
    "\\".into(),
  ];
  rng.pick(&fixed).clone()
}

/// A hostile string, whole or spliced into `near` (so prefix and suffix checks still pass).
pub fn hostile_near(rng: &mut Rng, near: &str) -> String {
  let h = hostile(rng);
  let cut = (0..=near.len())
    .filter(|&i| near.is_char_boundary(i))
    .collect::<Vec<_>>();
  match rng.below(4) {
    0 => h,
    1 => format!("{near}{h}"),
    2 => format!("{h}{near}"),
    _ => {
      let at = *rng.pick(&cut);
      format!("{}{h}{}", &near[..at], &near[at..])
    }
  }
}

pub fn edge_int(rng: &mut Rng) -> i64 {
  let v = [
    0,
    1,
    -1,
    2,
    99,
    100,
    4095,
    4096,
    4097,
    65535,
    65536,
    10_000,
    2_147_483_647,
    2_147_483_648,
    4_294_967_295,
    4_294_967_296,
    i64::MAX,
    i64::MIN,
  ];
  *rng.pick(&v)
}

pub fn odd_address(rng: &mut Rng) -> String {
  let v = [
    "0.0.0.0/0",
    "127.0.0.0/8",
    "224.0.0.0/4",
    "10.20.0.1/24",
    "10.20.2.4/27",
    "10.20.0.0/33",
    "10.20.0.0/-1",
    "10.20.0.0/",
    "10.20.0.0/16",
    "10.0.0.0/8",
    "169.254.0.0/16",
    "100.64.0.0/10",
    "255.255.255.255/32",
    "::/0",
    "fe80::/10",
    "0.0.0.0",
    "255.255.255.255",
    "127.0.0.1",
    "10.20.2.0",
    "10.20.2.31",
    "10.20.2.3",
    "10.20.0.4",
    "172.16.0.4",
    "010.020.002.004",
    "10.20.2.4 ",
    "1.2.3.4/08",
    "10.20.2.4/32",
    "*",
  ];
  rng.pick(&v).to_string()
}
