package lock

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zkwire/zk"
	"github.com/zkwire/zk/recipes/internal/backoff"
)

// cleanupTimeout bounds how long removing a contender's node may take after
// the caller's context ended. If the server cannot be reached meanwhile,
// the node stays until its session ends.
const cleanupTimeout = 10 * time.Second

// seqLen is the length of the sequence suffix the server appends.
const seqLen = 10

// child is one contender's node, parsed from its name.
type child struct {
	name string
	kind string // the prefix before the sequence: "lock-", "read-", "write-", "lease-"
	seq  int64
}

// parseChild reads "[_c_<uuid>-]<kind><10-digit sequence>"; other names
// are not contenders.
func parseChild(name string) (child, bool) {
	if len(name) < seqLen {
		return child{}, false
	}
	seq, err := strconv.ParseInt(name[len(name)-seqLen:], 10, 64)
	if err != nil || seq < 0 {
		return child{}, false
	}
	kind := name[:len(name)-seqLen]
	// "_c_" + a 36-character uuid + "-".
	const n = len(zk.ProtectedPrefix) + 37
	if strings.HasPrefix(kind, zk.ProtectedPrefix) && len(kind) >= n && kind[n-1] == '-' {
		kind = kind[n:]
	}
	return child{name: name, kind: kind, seq: seq}, true
}

// queue returns the contenders among names in sequence order.
func queue(names []string) []child {
	out := make([]child, 0, len(names))
	for _, n := range names {
		if c, ok := parseChild(n); ok {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b child) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

// indexOf returns the position of name in q, or -1.
func indexOf(q []child, name string) int {
	return slices.IndexFunc(q, func(c child) bool { return c.name == name })
}

// validDir checks a lock path before anything is sent.
func validDir(path string) error {
	if path == "/" {
		return fmt.Errorf("lock %q: %w: the root cannot be a lock node", path, zk.ErrInvalidPath)
	}
	if err := zk.ValidatePath(path, false); err != nil {
		return fmt.Errorf("lock %q: %w", path, err)
	}
	return nil
}

// createNode creates dir/_c_<uuid>-<kind><sequence>, ephemeral sequential,
// through zk.Client.CreateProtected (found again after a lost reply, never
// made twice, removed if the call fails after sending), making dir (a
// container, deleted by the server once empty) and its missing parents
// first.
func createNode(ctx context.Context, c Client, dir, kind string, o options) (string, *zk.Stat, error) {
	for {
		p, st, err := c.CreateProtected(ctx, dir+"/"+kind, o.data, zk.EphemeralSequential, o.acl)
		if !errors.Is(err, zk.ErrNoNode) {
			return p, st, err
		}
		if err := c.EnsurePath(ctx, dir, o.acl, zk.ContainerLeaf()); err != nil {
			return "", nil, err
		}
	}
}

// removeNode deletes a contender's node on a context of its own: the
// caller's may have ended, which is why it is cleaning up.
func removeNode(ctx context.Context, c Client, node string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	return deleteNode(ctx, c, node)
}

// deleteNode deletes an ephemeral node, retrying after connection loss.
// It succeeds when the node is gone, whoever removed it: a node of an
// expired or closed session is gone with the session.
func deleteNode(ctx context.Context, c Client, node string) error {
	var retries backoff.Counter
	for {
		err := c.Delete(ctx, node, -1)
		if retries.Retry(ctx, err) {
			continue
		}
		switch {
		case err == nil, errors.Is(err, zk.ErrNoNode), errors.Is(err, zk.ErrSessionExpired), errors.Is(err, zk.ErrClosed):
			return nil
		}
		return err
	}
}

// base returns the last element of a path.
func base(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }
