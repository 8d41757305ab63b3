package yamledit

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// checkEdit reads before and after back as LoadValues does: in the changed documents the key
// must have the new value; every other setting of every document must read as before, but
// for an empty value that the edit turned into a mapping.
func checkEdit(ctx context.Context, before, after []byte, e Edit, changed []int) error {
	b, err := readDocuments(ctx, before)
	if err != nil {
		return err
	}
	a, err := readDocuments(ctx, after)
	if err != nil {
		return fmt.Errorf("the edited configuration does not parse (a bug): %w", err)
	}
	if len(a) == len(b)+1 && slices.Equal(changed, []int{0}) {
		b = append([]config.Document{{}}, b...) // a new first document
	}
	if len(a) != len(b) {
		return fmt.Errorf("the edit made %d documents out of %d (a bug)", len(a), len(b))
	}
	key := config.CanonicalKey(e.Key)
	for i := range a {
		old, cur := b[i].Settings(), a[i].Settings()
		edited := slices.Contains(changed, i)
		for _, k := range slices.Sorted(maps.Keys(cur)) {
			f := cur[k]
			if k == key && edited {
				if f.IsList || f.Value != e.Value {
					return fmt.Errorf("the edited configuration reads %q (a bug)", f.Value)
				}
				continue
			}
			if o, ok := old[k]; !ok || o.Value != f.Value || o.IsList != f.IsList || !slices.Equal(o.List, f.List) {
				return fmt.Errorf("the edit would change %s (a bug)", k)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(old)) {
			o := old[k]
			if _, ok := cur[k]; ok || (edited && o.Value == "" && !o.IsList && strings.HasPrefix(key, k+".")) {
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
