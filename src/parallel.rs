//! Work spread over the machine's cores: `map` runs a function over a slice on scoped
//! threads, one per core, and returns the results in the slice's order. A thousand spokes
//! are a thousand independent compiles; a hub's artifacts are independent renders.
//!
//! Takes a pure function of one item; it never decides what runs, and the results never
//! depend on scheduling (`try_map` returns the error of the first failing item in order).

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` over every item, on at most as many threads as the machine has cores.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
  let workers = std::thread::available_parallelism()
    .map_or(1, usize::from)
    .min(items.len());
  if workers <= 1 {
    return items.iter().map(f).collect();
  }
  let next = AtomicUsize::new(0);
  // Each thread keeps what it did with the items' indexes; put back in order at the end.
  let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
    let threads: Vec<_> = (0..workers)
      .map(|_| {
        scope.spawn(|| {
          let mut mine = Vec::new();
          loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            mine.push((i, f(item)));
          }
          mine
        })
      })
      .collect();
    threads
      .into_iter()
      .flat_map(|t| t.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
      .collect()
  });
  done.sort_by_key(|(i, _)| *i);
  done.into_iter().map(|(_, r)| r).collect()
}

/// `map` of a fallible `f`: every result, or the error of the first item in order that
/// failed, whichever thread finished first.
pub fn try_map<T: Sync, R: Send, E: Send>(
  items: &[T],
  f: impl Fn(&T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E> {
  map(items, f).into_iter().collect()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn results_keep_the_items_order_and_the_first_error_in_order_wins() {
    let items: Vec<u64> = (0..500).collect();
    // Uneven work, so threads finish out of order.
    let squares = map(&items, |&i| {
      std::thread::sleep(std::time::Duration::from_micros((i * 7919) % 300));
      i * i
    });
    assert_eq!(squares, items.iter().map(|i| i * i).collect::<Vec<_>>());
    let failed = try_map(&items, |&i| {
      std::thread::sleep(std::time::Duration::from_micros((500 - i) * 3));
      if i % 97 == 50 {
        Err(i)
      } else {
        Ok(i)
      }
    });
    assert_eq!(failed, Err(50));
    assert_eq!(map(&[] as &[u8], |&b| b), Vec::<u8>::new());
  }
}
