# Thin wrappers. `make test` is the gate: dependencies, formatting, clippy, the one test
# binary, then no golden snapshot left that no test asserts. Plain `cargo test` runs the
# same tests once the external checkers (bind9, unbound, dnsmasq, .venv/) are installed.

.PHONY: test deps lint golden review bench fmt

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

fmt:
	cargo fmt
