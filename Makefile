# Thin wrappers. Everything important is also reachable with plain `cargo test`,
# once the external checkers (bind9, unbound, dnsmasq, Python parsers) are installed.

.PHONY: test deps golden review bench fmt

test: deps
	cargo test --locked

deps:
	./scripts/install-test-deps.sh

golden:
	INSTA_UPDATE=always cargo test
	git status --short golden/

review:
	cargo insta review

bench:
	cargo bench

fmt:
	cargo fmt
