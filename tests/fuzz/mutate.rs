//! Mutators: a seeded RNG, structure-aware edits of a parsed TOML profile (or IR JSON) and
//! raw byte edits for the parser.

use toml::Value;

use super::values::{edge_int, hostile, hostile_near, odd_address, MARKER};

/// splitmix64: tiny, seedable, and the same sequence on every platform and Rust version.
pub struct Rng(u64);

impl Rng {
  pub fn new(seed: u64) -> Self {
    Rng(seed)
  }
  pub fn next(&mut self) -> u64 {
    self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = self.0;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
  }
  pub fn below(&mut self, n: usize) -> usize {
    (self.next() % n.max(1) as u64) as usize
  }
  pub fn chance(&mut self, percent: u64) -> bool {
    self.next() % 100 < percent
  }
  pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
    &items[self.below(items.len())]
  }
}

fn looks_like_address(s: &str) -> bool {
  s.starts_with(|c: char| c.is_ascii_digit()) && s.contains('.') || s.contains("::")
}

/// Any value of another type than `v` (and some of the same type, oddly shaped).
fn swap_type(rng: &mut Rng, v: &Value) -> Value {
  let s = match v {
    Value::String(s) => s.clone(),
    other => other.to_string(),
  };
  match rng.below(8) {
    0 => Value::String(s),
    1 => Value::Integer(edge_int(rng)),
    2 => Value::Float(*rng.pick(&[f64::NAN, f64::INFINITY, -0.0, 1.5, 1e300])),
    3 => Value::Boolean(rng.chance(50)),
    4 => Value::Array(vec![v.clone()]),
    5 => Value::Array(Vec::new()),
    6 => Value::Table(toml::Table::new()),
    _ => Value::Table([("name".to_string(), v.clone())].into_iter().collect()),
  }
}

/// A path from the root to one value: table keys and array indices.
#[derive(Clone, Debug)]
enum Step {
  Key(String),
  Index(usize),
}

fn paths(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
  out.push(at.clone());
  let children: Vec<(Step, &Value)> = match v {
    Value::Table(t) => t.iter().map(|(k, v)| (Step::Key(k.clone()), v)).collect(),
    Value::Array(a) => a.iter().enumerate().map(|(i, v)| (Step::Index(i), v)).collect(),
    _ => return,
  };
  for (step, child) in children {
    at.push(step);
    paths(child, at, out);
    at.pop();
  }
}

fn get_mut<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
  path.iter().fold(v, |v, step| match (v, step) {
    (Value::Table(t), Step::Key(k)) => t.get_mut(k).expect("path from paths()"),
    (Value::Array(a), Step::Index(i)) => &mut a[*i],
    _ => unreachable!("path from paths()"),
  })
}

/// One structure-aware edit of a parsed document; returns what it did, for the log.
pub fn mutate_value(rng: &mut Rng, doc: &mut Value) -> String {
  let mut all = Vec::new();
  paths(doc, &mut Vec::new(), &mut all);
  // Not the root itself: a document that is not a table is no TOML file.
  let path = rng.pick(&all[1.min(all.len() - 1)..]).clone();
  let (parent_path, last) = match path.split_last() {
    Some((last, parent)) => (parent.to_vec(), Some(last.clone())),
    None => (Vec::new(), None),
  };
  let op = rng.below(10);
  let target = get_mut(doc, &path);
  let what = format!("{path:?}");
  match (op, &*target) {
    (0..=3, Value::String(s)) => {
      let s = s.clone();
      *target = Value::String(if looks_like_address(&s) && rng.chance(60) {
        odd_address(rng)
      } else {
        hostile_near(rng, &s)
      });
      format!("hostile string at {what}")
    }
    (0..=3, Value::Integer(_)) => {
      *target = Value::Integer(edge_int(rng));
      format!("edge number at {what}")
    }
    (4, Value::Array(a)) => {
      let doubled: Vec<Value> = a.iter().chain(a.iter()).cloned().collect();
      *target = Value::Array(doubled);
      format!("duplicated array at {what}")
    }
    (5, Value::Array(a)) if !a.is_empty() => {
      let mut copy = a[rng.below(a.len())].clone();
      let note = mutate_value(rng, &mut copy);
      if let Value::Array(a) = target {
        a.push(copy);
      }
      format!("appended a mutated copy at {what} ({note})")
    }
    (6, Value::Table(_)) => {
      if let Value::Table(t) = target {
        let key = if rng.chance(50) {
          format!("x{MARKER}")
        } else {
          "name".into()
        };
        t.insert(key, Value::String(hostile(rng)));
      }
      format!("added a key at {what}")
    }
    (7 | 8, _) if last.is_some() => {
      match (get_mut(doc, &parent_path), last) {
        (Value::Table(t), Some(Step::Key(k))) => drop(t.remove(&k)),
        (Value::Array(a), Some(Step::Index(i))) => drop(a.remove(i)),
        _ => {}
      }
      format!("deleted {what}")
    }
    _ => {
      *target = swap_type(rng, target);
      format!("swapped the type at {what}")
    }
  }
}

/// One raw edit of a file's bytes: what a parser sees from a damaged or hand-edited file.
pub fn mutate_bytes(rng: &mut Rng, text: &mut Vec<u8>, donor: &[u8]) -> &'static str {
  let at = rng.below(text.len() + 1);
  match rng.below(7) {
    0 if !text.is_empty() => {
      let i = at.min(text.len() - 1);
      text[i] ^= 1 << rng.below(8);
      "flipped a bit"
    }
    1 => {
      text.truncate(at);
      "truncated"
    }
    2 => {
      let pieces: [&[u8]; 14] = [
        b"\0",
        b"\xff\xfe",
        b"\"\"\"",
        b"'''",
        b"[[",
        b"]]",
        b" = ",
        b"\\u",
        b"\r",
        b"\n[network]\n",
        b"\nextends = \"/dev/zero\"\n",
        b"\nextends = \".\"\n",
        b"\xe2\x80\xae",
        b"#",
      ];
      let piece = *rng.pick(&pieces);
      text.splice(at..at, piece.iter().copied());
      "inserted raw bytes"
    }
    3 | 4 => {
      let lines: Vec<&[u8]> = donor.split(|&b| b == b'\n').collect();
      let mut line = rng.pick(&lines).to_vec();
      line.push(b'\n');
      let start = text[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
      text.splice(start..start, line);
      "spliced a line"
    }
    _ => {
      let start = text[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
      let end = text[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| at + i + 1);
      if rng.chance(50) {
        text.drain(start..end);
        "deleted a line"
      } else {
        let line = text[start..end].to_vec();
        text.splice(start..start, line);
        "duplicated a line"
      }
    }
  }
}

/// One structure-aware edit of IR JSON (the other input `diff` accepts): a leaf replaced by a
/// hostile or edge value, or removed.
pub fn mutate_json(rng: &mut Rng, v: &mut serde_json::Value) {
  use serde_json::Value as J;
  // Choose a JSON Pointer walking down read-only, then edit through `pointer_mut`.
  let (mut pointer, mut node, mut remove) = (String::new(), &*v, false);
  loop {
    let (step, next) = match node {
      J::Object(o) if !o.is_empty() && rng.chance(80) => {
        let (k, next) = o.iter().nth(rng.below(o.len())).expect("non-empty");
        (k.replace('~', "~0").replace('/', "~1"), next)
      }
      J::Array(a) if !a.is_empty() && rng.chance(80) => {
        let i = rng.below(a.len());
        (i.to_string(), &a[i])
      }
      _ => break,
    };
    pointer = format!("{pointer}/{step}");
    node = next;
    if matches!(node, J::Object(_)) && rng.chance(5) {
      remove = true;
      break;
    }
  }
  let old = node.clone();
  if remove {
    if let Some((parent, key)) = pointer.rsplit_once('/') {
      if let Some(J::Object(o)) = v.pointer_mut(parent) {
        o.remove(&key.replace("~1", "/").replace("~0", "~"));
      }
    }
    return;
  }
  let new = match rng.below(6) {
    0 => J::from(edge_int(rng)),
    1 => J::Null,
    2 => J::from(odd_address(rng)),
    3 => J::Array(vec![old.clone(), old]),
    _ => J::from(hostile(rng)),
  };
  if let Some(slot) = v.pointer_mut(&pointer) {
    *slot = new;
  }
}
