package cluster

import "strings"

// suggest returns the known key the user most likely meant, or "". Keys are case-sensitive,
// so a key differing only in case, '-' or '_' (node_id, NodeID) is always suggested; otherwise
// the closest key by edit distance (a swap of two neighbours counts one) within a third of its
// length, or a key that one is a prefix of the other (repo, dataDirectory).
func suggest(key string, known []string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s))
	}
	nk := norm(key)
	for _, k := range known {
		if norm(k) == nk {
			return k
		}
	}
	best, bestDist := "", max(1, len(nk)/3)+1
	for _, k := range known {
		if d := distance(nk, norm(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return best
	}
	for _, k := range known {
		nn := norm(k)
		if min(len(nk), len(nn)) >= 3 && (strings.HasPrefix(nn, nk) || strings.HasPrefix(nk, nn)) {
			return k
		}
	}
	return ""
}

// distance is the optimal string alignment distance: insertions, deletions, substitutions and
// swaps of neighbours, each counting one.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// d[i][j] is the distance of ra[:i] and rb[:j]; three rows suffice.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
