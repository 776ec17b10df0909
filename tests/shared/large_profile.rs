//! A generated profile with `n` /28 subnets and one compute in each, shared by the limits
//! test and `cargo bench --bench compile` (both include this file with `#[path]`).

pub fn large_profile(n: usize) -> String {
  let mut s = String::from("cloud = \"AzureCloud\"\nregion = \"eastus\"\ncompute = [\n");
  for i in 0..n {
    s.push_str(&format!("{{name=\"c{i:04}\",subnet=\"s{i:04}\"}},\n"));
  }
  s.push_str("]\n[workspace]\nname = \"mlw-large\"\nid = \"0f6a1b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b\"\n");
  s.push_str("[network]\naddress_space = [\"10.0.0.0/8\"]\nsubnet = [\n");
  for i in 0..n {
    let base = 16 * i;
    s.push_str(&format!(
      "{{name=\"s{i:04}\",prefix=\"10.{}.{}.{}/28\"}},\n",
      (base >> 16) & 255,
      (base >> 8) & 255,
      base & 255
    ));
  }
  s.push_str("]\n");
  s
}
