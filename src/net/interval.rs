//! Inclusive integer ranges: merge, subtract, intersect. Generic over the width so ports
//! (u16), IPv4 (u32) and IPv6 (u128) addresses share one implementation, checked against a
//! brute-force reference in the tests.

/// An unsigned integer with the neighbours interval arithmetic needs.
pub trait Point: Copy + Ord {
  fn succ(self) -> Option<Self>;
  fn pred(self) -> Option<Self>;
}

macro_rules! point {
  ($($t:ty),*) => {$(
    impl Point for $t {
      fn succ(self) -> Option<Self> {
        self.checked_add(1)
      }
      fn pred(self) -> Option<Self> {
        self.checked_sub(1)
      }
    }
  )*};
}
point!(u16, u32, u128);

/// Sort inclusive ranges and merge the overlapping and adjacent ones. Ranges with
/// `lo > hi` are empty and dropped.
pub fn merge<T: Point>(mut ranges: Vec<(T, T)>) -> Vec<(T, T)> {
  ranges.retain(|(lo, hi)| lo <= hi);
  ranges.sort_unstable();
  let mut out: Vec<(T, T)> = Vec::with_capacity(ranges.len());
  for (lo, hi) in ranges {
    if let Some(last) = out.last_mut() {
      // `None` means the last range already reaches the top of the space.
      if last.1.succ().is_none_or(|next| lo <= next) {
        last.1 = last.1.max(hi);
        continue;
      }
    }
    out.push((lo, hi));
  }
  out
}

/// `a` minus `b`, both sorted disjoint inclusive ranges (as `merge` returns them).
pub fn subtract<T: Point>(a: &[(T, T)], b: &[(T, T)]) -> Vec<(T, T)> {
  let mut out = Vec::new();
  let mut j = 0;
  for &(lo, hi) in a {
    // Skip the ranges of `b` wholly below this one.
    while j < b.len() && b[j].1 < lo {
      j += 1;
    }
    let mut start = Some(lo);
    let mut k = j;
    while let Some(s) = start {
      match b.get(k) {
        Some(&(blo, bhi)) if blo <= hi => {
          if blo > s {
            // blo > s >= 0, so blo has a predecessor.
            if let Some(end) = blo.pred() {
              out.push((s, end));
            }
          }
          start = if bhi >= hi { None } else { bhi.succ() };
          k += 1;
        }
        _ => {
          out.push((s, hi));
          start = None;
        }
      }
    }
  }
  out
}

/// What `a` and `b` share, both sorted disjoint inclusive ranges.
pub fn intersect<T: Point>(a: &[(T, T)], b: &[(T, T)]) -> Vec<(T, T)> {
  let (mut i, mut j) = (0, 0);
  let mut out = Vec::new();
  while i < a.len() && j < b.len() {
    let lo = a[i].0.max(b[j].0);
    let hi = a[i].1.min(b[j].1);
    if lo <= hi {
      out.push((lo, hi));
    }
    if a[i].1 < b[j].1 {
      i += 1;
    } else {
      j += 1;
    }
  }
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn subtract_edges() {
    let a = vec![(0u32, 10), (20, 30), (40, u32::MAX)];
    let b = vec![(0u32, 2), (5, 6), (10, 25), (29, 29), (50, u32::MAX)];
    assert_eq!(
      subtract(&a, &b),
      vec![(3, 4), (7, 9), (26, 28), (30, 30), (40, 49)]
    );
    assert_eq!(subtract(&b, &[]), b);
    assert_eq!(subtract(&[], &b), vec![]);
    assert_eq!(
      merge(vec![(5u32, 9), (0, 4), (11, 12), (3, 3)]),
      vec![(0, 9), (11, 12)]
    );
    assert_eq!(merge(vec![(0u128, u128::MAX), (7, 9)]), vec![(0, u128::MAX)]);
  }

  /// Every operation against a bit-set reference over a small space, for many random
  /// inputs (a fixed-seed generator keeps the test deterministic).
  #[test]
  fn operations_match_a_brute_force_reference() {
    const TOP: u16 = 63;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      seed
    };
    let ranges = |next: &mut dyn FnMut() -> u64| -> Vec<(u16, u16)> {
      (0..next() % 5)
        .map(|_| {
          let a = (next() % u64::from(TOP + 1)) as u16;
          let b = (next() % u64::from(TOP + 1)) as u16;
          (a.min(b), a.max(b))
        })
        .collect()
    };
    let bits = |r: &[(u16, u16)]| -> u64 {
      r.iter()
        .fold(0, |acc, &(lo, hi)| (lo..=hi).fold(acc, |a, p| a | 1 << p))
    };
    for _ in 0..2000 {
      let (a, b) = (merge(ranges(&mut next)), merge(ranges(&mut next)));
      for w in a.windows(2) {
        assert!(
          w[0].1 + 1 < w[1].0,
          "merged ranges are disjoint and not adjacent: {a:?}"
        );
      }
      assert_eq!(bits(&subtract(&a, &b)), bits(&a) & !bits(&b), "{a:?} - {b:?}");
      assert_eq!(bits(&intersect(&a, &b)), bits(&a) & bits(&b), "{a:?} & {b:?}");
      let mut both = a.clone();
      both.extend(&b);
      assert_eq!(bits(&merge(both)), bits(&a) | bits(&b), "{a:?} | {b:?}");
    }
  }
}
