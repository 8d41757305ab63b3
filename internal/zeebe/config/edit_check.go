package config

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// checkEdit reads before and after back as LoadValues does: in the changed documents the key
// must have the new value; every other setting of every document must read as before, but
// for an empty value that the edit turned into a mapping.
func checkEdit(ctx context.Context, before, after []byte, e Edit, changed []int) error {
	b, err := parseYAML(ctx, "", before)
	if err != nil {
		return err
	}
	a, err := parseYAML(ctx, "", after)
	if err != nil {
		return fmt.Errorf("the edited configuration does not parse (a bug): %w", err)
	}
	if len(a) == len(b)+1 && slices.Equal(changed, []int{0}) {
		b = append([]document{{}}, b...) // a new first document
	}
	if len(a) != len(b) {
		return fmt.Errorf("the edit made %d documents out of %d (a bug)", len(a), len(b))
	}
	key := canonicalKey(e.Key)
	for i := range a {
		old, cur := flatMap(b[i]), flatMap(a[i])
		edited := slices.Contains(changed, i)
		for k, f := range cur {
			if k == key && edited {
				if f.isList || f.value != e.Value {
					return fmt.Errorf("the edited configuration reads %q (a bug)", f.value)
				}
				continue
			}
			if o, ok := old[k]; !ok || o.value != f.value || o.isList != f.isList || !slices.Equal(o.list, f.list) {
				return fmt.Errorf("the edit would change %s (a bug)", k)
			}
		}
		for k, o := range old {
			if _, ok := cur[k]; ok || (edited && o.value == "" && !o.isList && strings.HasPrefix(key, k+".")) {
				continue
			}
			return fmt.Errorf("the edit would remove %s (a bug)", k)
		}
		if _, ok := cur[key]; edited && !ok {
			return errors.New("the edited configuration lacks the key (a bug)")
		}
	}
	return nil
}

func flatMap(d document) map[string]flat {
	out := make(map[string]flat, len(d.entries))
	for _, f := range d.entries {
		out[canonicalKey(f.key)] = f
	}
	return out
}
