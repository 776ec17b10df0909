# Thin wrappers. `make test` is the gate: dependencies, formatting, clippy, the one test
# binary, then no golden snapshot left that no test asserts. Plain `cargo test` runs the
# same tests once the external checkers (bind9, unbound, dnsmasq, .venv/) are installed.

.PHONY: test deps lint golden review bench fmt fuzz

# insta appends every snapshot file an assertion touches here (INSTA_SNAPSHOT_REFERENCES_FILE).
REFS := target/snapshot-references

test: deps lint
	rm -f $(REFS)
	INSTA_SNAPSHOT_REFERENCES_FILE=$(CURDIR)/$(REFS) cargo test --locked
	./scripts/reject-unreferenced-snapshots.sh $(REFS)

deps:
	./scripts/install-test-deps.sh

lint:
	cargo fmt --check
	cargo clippy --all-targets --locked -- -D warnings

golden:
	INSTA_UPDATE=always cargo test
	git status --short golden/

review:
	cargo insta review

bench:
	cargo bench

# The bounded fuzz run is part of `make test` (tests/fuzz.rs, 60 s at most). This is the long
# one, with overflow checks on (a plain release build would hide overflow bugs); vary it with
# AMLNET_FUZZ_SEED=N and AMLNET_FUZZ_SECONDS=S.
fuzz:
	CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true \
	AMLNET_FUZZ_SECONDS=$${AMLNET_FUZZ_SECONDS:-600} AMLNET_FUZZ_CASES=$${AMLNET_FUZZ_CASES:-100000000} \
	cargo test --locked --release --test it fuzz -- --nocapture

fmt:
	cargo fmt
