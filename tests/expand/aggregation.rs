//! Aggregation and difference property tests over random prefix sets (deterministic PRNG),
//! against an independent interval arithmetic.

use super::*;

// ---------------------------------------------------------------------------------------------
// Aggregation property tests: random prefix sets, deterministic PRNG.

pub(crate) struct XorShift(u64);

impl XorShift {
  fn next(&mut self) -> u64 {
    let mut x = self.0;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    self.0 = x;
    x
  }
  fn below(&mut self, n: u64) -> u64 {
    self.next() % n
  }
  fn u128(&mut self) -> u128 {
    ((self.next() as u128) << 64) | self.next() as u128
  }
}

/// A prefix length skewed towards long prefixes, but reaching `min`.
pub(crate) fn prefix_len(rng: &mut XorShift, min: u8, max: u8) -> u8 {
  let span = (max - min) as u64 + 1;
  let a = rng.below(span);
  let b = rng.below(span);
  max - a.min(b) as u8
}

/// Random IPv4 prefixes inside the 4096-address window 10.20.16.0/20, some with host bits set.
pub(crate) fn random_v4_window(rng: &mut XorShift) -> Vec<Ipv4Net> {
  let base = u32::from(Ipv4Addr::new(10, 20, 16, 0));
  let n = 1 + rng.below(40) as usize;
  (0..n)
    .map(|_| {
      let len = prefix_len(rng, 20, 32);
      let addr = base + rng.below(4096) as u32;
      let net = Ipv4Net::new(Ipv4Addr::from(addr), len).expect("len");
      if rng.below(4) == 0 {
        net
      } else {
        net.trunc()
      }
    })
    .collect()
}

pub(crate) fn bitmap_v4(nets: &[Ipv4Net]) -> Vec<u8> {
  let base = u32::from(Ipv4Addr::new(10, 20, 16, 0));
  let mut bits = vec![0u8; 4096];
  for n in nets {
    for a in u32::from(n.network())..=u32::from(n.broadcast()) {
      bits[(a - base) as usize] += 1;
    }
  }
  bits
}

#[test]
fn aggregation_preserves_addresses_brute_force() {
  // Brute force: every address of a small window counted, before and after.
  for seed in 1..=1500u64 {
    let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let input = random_v4_window(&mut rng);
    let out = Ipv4Net::aggregate(&input);
    let before = bitmap_v4(&input);
    let after = bitmap_v4(&out);
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
      assert!(*a <= 1, "seed {seed}: address +{i} covered twice by {out:?}");
      assert_eq!(
        *b > 0,
        *a == 1,
        "seed {seed}: address +{i} differs; input {input:?} output {out:?}"
      );
    }
    check_v4(&input, &out, &format!("window seed {seed}"));
    // Same through PrefixSet, mixing in IPv6.
    let mixed: Vec<IpNet> = input.iter().map(|n| IpNet::V4(*n)).collect();
    assert_eq!(PrefixSet::aggregate(&mixed).ipv4(), out);
  }
}

#[test]
fn aggregation_is_exact_and_minimal_over_the_whole_space() {
  for seed in 1..=3000u64 {
    let mut rng = XorShift(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    let n = rng.below(60) as usize;
    // Cluster half the prefixes near one address so that merges and overlaps happen.
    let hub4 = rng.next() as u32;
    let hub6 = rng.u128();
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for _ in 0..n {
      let near = rng.below(2) == 0;
      let a4 = if near {
        hub4 ^ (rng.next() as u32 & 0xFFFF)
      } else {
        rng.next() as u32
      };
      v4.push(Ipv4Net::new(Ipv4Addr::from(a4), prefix_len(&mut rng, 0, 32)).expect("len"));
      let a6 = if near {
        hub6 ^ (rng.u128() & 0xFFFF_FFFF)
      } else {
        rng.u128()
      };
      let min6 = if rng.below(20) == 0 { 0 } else { 96 };
      v6.push(Ipv6Net::new(Ipv6Addr::from(a6), prefix_len(&mut rng, min6, 128)).expect("len"));
    }
    if seed % 97 == 0 {
      v4.push("255.255.255.255/32".parse().expect("edge"));
      v4.push("255.255.255.254/32".parse().expect("edge"));
      v6.push("::/128".parse().expect("edge"));
      v6.push("::1/128".parse().expect("edge"));
    }
    let mixed: Vec<IpNet> = v4
      .iter()
      .map(|n| IpNet::V4(*n))
      .chain(v6.iter().map(|n| IpNet::V6(*n)))
      .collect();
    let set = PrefixSet::aggregate(&mixed);
    check_v4(&v4, &set.ipv4(), &format!("v4 seed {seed}"));
    check_v6(&v6, &set.ipv6(), &format!("v6 seed {seed}"));
  }
}

#[test]
fn difference_is_exact_and_minimal() {
  for seed in 1..=1500u64 {
    let mut rng = XorShift(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
    let a = Ipv4Net::aggregate(&random_v4_window(&mut rng));
    let b = Ipv4Net::aggregate(&random_v4_window(&mut rng));
    let d = difference_v4(&a, &b);
    let (ba, bb, bd) = (bitmap_v4(&a), bitmap_v4(&b), bitmap_v4(&d));
    for i in 0..4096 {
      assert!(bd[i] <= 1, "seed {seed}: overlap");
      assert_eq!(
        bd[i] == 1,
        ba[i] == 1 && bb[i] == 0,
        "seed {seed}: address +{i}: {a:?} - {b:?} = {d:?}"
      );
    }
    check_v4(&d, &d, &format!("difference seed {seed}"));
    assert_eq!(Ipv4Net::aggregate(&d), d, "seed {seed}: already aggregated");

    // IPv6 over the whole space: d = a - b, so d ∪ (a ∩ b) = a and d ∩ b = ∅, by interval sums.
    let mk = |rng: &mut XorShift| -> Vec<Ipv6Net> {
      let hub = rng.u128();
      (0..rng.below(30))
        .map(|_| {
          let addr = hub ^ (rng.u128() & 0xFFFF);
          Ipv6Net::new(Ipv6Addr::from(addr), prefix_len(rng, 112, 128)).expect("len")
        })
        .collect()
    };
    let hub_seeded = rng.next();
    let mut r2 = XorShift(hub_seeded | 1);
    let a6 = Ipv6Net::aggregate(&mk(&mut r2));
    let mut b6 = mk(&mut r2);
    b6.extend(a6.iter().filter(|_| r2.below(3) == 0).copied());
    let b6 = Ipv6Net::aggregate(&b6);
    let d6 = difference_v6(&a6, &b6);
    check_v6(&d6, &d6, &format!("v6 difference seed {seed}"));
    let ua = union(a6.iter().map(v6_range).collect());
    let ub = union(b6.iter().map(v6_range).collect());
    let ud = union(d6.iter().map(v6_range).collect());
    for &(lo, hi) in &ud {
      assert!(covered(&ua, lo, hi), "seed {seed}: difference outside a");
      assert!(
        ub.iter().all(|&(blo, bhi)| bhi < lo || blo > hi),
        "seed {seed}: difference meets b"
      );
    }
    // |a| = |a - b| + |a ∩ b|, with a ∩ b = a - (a - b).
    let inter = difference_v6(&a6, &d6);
    let ui = union(inter.iter().map(v6_range).collect());
    for &(lo, hi) in &ui {
      assert!(covered(&ub, lo, hi), "seed {seed}: a - (a - b) not inside b");
    }
    assert_eq!(size(&ua), size(&ud) + size(&ui), "seed {seed}");
  }
}
