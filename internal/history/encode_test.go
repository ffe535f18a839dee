package history

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestBlobs(t *testing.T) {
	t.Parallel()
	smp := sampleAt("e1", base, 7)
	kinds := encodeKinds(smp.Kinds)
	ids := []int64{1, 300, 1 << 40}
	repos := encodeRepos(ids, smp.Repos)
	name := func(id int64) (string, error) {
		for i, x := range ids {
			if x == id {
				return smp.Repos[i].Repo, nil
			}
		}
		return "", fmt.Errorf("id %d", id)
	}
	if got, err := decodeKinds(kinds); err != nil || !reflect.DeepEqual(got, smp.Kinds) {
		t.Errorf("kinds = %+v, %v", got, err)
	}
	if got, err := decodeReposNamed(repos, name); err != nil || !reflect.DeepEqual(got, smp.Repos) {
		t.Errorf("repos = %+v, %v", got, err)
	}
	// Every truncation, a wrong format byte and trailing bytes are errors,
	// never a panic.
	bad := [][]byte{nil, {2, 0}, append(append([]byte{}, kinds...), 0), {blobFormat, 200}}
	for i := range kinds {
		bad = append(bad, kinds[:i])
	}
	for i, b := range bad {
		if _, err := decodeKinds(b); !errors.Is(err, errBlob) {
			t.Errorf("kinds %d (% x): err %v", i, b, err)
		}
	}
	bad = [][]byte{nil, {2, 0}, append(append([]byte{}, repos...), 0)}
	for i := range repos {
		bad = append(bad, repos[:i])
	}
	for i, b := range bad {
		if _, err := decodeReposNamed(b, name); !errors.Is(err, errBlob) {
			t.Errorf("repos %d (% x): err %v", i, b, err)
		}
	}
	if got, err := decodeKinds(encodeKinds(nil)); err != nil || got != nil {
		t.Errorf("no kinds = %v, %v", got, err)
	}
	if got, err := decodeReposNamed(encodeRepos(nil, nil), name); err != nil || got == nil || len(got) != 0 {
		t.Errorf("no repos = %#v, %v", got, err)
	}
}
