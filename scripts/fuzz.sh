#!/usr/bin/env bash
# Runs every Go fuzz target in the tree briefly (FUZZTIME each, default 5s),
# starting from its seed corpus (f.Add and testdata/fuzz/). A failure leaves
# the crashing input under the package's testdata/fuzz/ and exits non-zero.
#
#   scripts/fuzz.sh            every target, FUZZTIME each
#   FUZZTIME=1m scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-5s}
found=0
while IFS= read -r file; do
	dir=$(dirname "$file")
	for name in $(grep -oE '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //'); do
		found=$((found + 1))
		echo "fuzz: ./$dir $name ($FUZZTIME)"
		go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "./$dir"
	done
done < <(grep -rlE '^func Fuzz' --include='*_test.go' . | sed 's|^\./||' | sort)
echo "fuzz: $found targets"
