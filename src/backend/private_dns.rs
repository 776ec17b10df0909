//! (not written yet)

use super::Output;
use crate::ir::Ir;

pub(super) fn render(_ir: &Ir, _out: &mut Output) {}
