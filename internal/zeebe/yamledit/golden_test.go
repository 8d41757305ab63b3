package yamledit

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite each testdata/*/want.yaml with what Apply makes of its input.yaml and edits.json")

// goldenCase is one folder of testdata: input.yaml, the edits of edits.json applied in order,
// and the expected output want.yaml.
type goldenCase struct {
	name      string
	in, want  []byte
	edits     []Edit
	wantPath  string
	haveWants bool
}

func readCase(t *testing.T, dir string) goldenCase {
	t.Helper()
	c := goldenCase{name: filepath.Base(dir), wantPath: filepath.Join(dir, "want.yaml")}
	var err error
	if c.in, err = os.ReadFile(filepath.Join(dir, "input.yaml")); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "edits.json"))
	if err != nil {
		t.Fatal(err)
	}
	var edits []struct{ Key, Value *string }
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&edits); err != nil || len(edits) == 0 {
		t.Fatalf("%s: want a list of {\"key\", \"value\"}: %v", raw, err)
	}
	for _, e := range edits {
		if e.Key == nil || e.Value == nil {
			t.Fatalf("%s: an edit without key or value", raw)
		}
		c.edits = append(c.edits, Edit{Key: *e.Key, Value: *e.Value})
	}
	c.want, err = os.ReadFile(c.wantPath)
	c.haveWants = err == nil
	if err != nil && !*update {
		t.Fatal(err)
	}
	return c
}

// Every case of testdata: Apply makes exactly want.yaml of input.yaml, and config.LoadValues
// reads every edited key with its new value and every other key as before. Run with -update
// to write want.yaml from Apply's output (then review the diff).
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "input.yaml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases in testdata (%v)", err)
	}
	for _, in := range dirs {
		c := readCase(t, filepath.Dir(in))
		t.Run(c.name, func(t *testing.T) {
			out, err := Apply(context.Background(), c.in, c.edits)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if *update {
				if !c.haveWants || !bytes.Equal(out, c.want) {
					if err := os.WriteFile(c.wantPath, out, 0o644); err != nil {
						t.Fatal(err)
					}
					t.Logf("wrote %s", c.wantPath)
				}
			} else if !bytes.Equal(out, c.want) {
				t.Fatalf("Apply output:\n%s\nwant (%s):\n%s", out, c.wantPath, c.want)
			}
			// LoadValues does not expect a byte order mark.
			bom := []byte("\ufeff")
			checkLoaded(t, string(bytes.TrimPrefix(c.in, bom)), string(bytes.TrimPrefix(out, bom)), c.edits, nil)
		})
	}
}

// golden returns a case's files for tests that check more of it.
func golden(t *testing.T, name string) goldenCase {
	t.Helper()
	return readCase(t, filepath.Join("testdata", name))
}
