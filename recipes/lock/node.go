package lock

import (
	"cmp"
	"context"
	"crypto/rand"
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

// newTag returns "_c_<uuid>-", the unique start of one contender's node.
func newTag() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%s%x-%x-%x-%x-%x-", zk.ProtectedPrefix, b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
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

// createNode creates dir/<tag><kind><sequence>, ephemeral sequential,
// making dir (a container, deleted by the server once empty) and its
// missing parents first. After a connection loss it looks for its node by
// the tag before trying again, so it never makes two. When it fails after
// the create may have been applied (its context ended), it removes what it
// may have made.
func createNode(ctx context.Context, c Client, dir, kind string, o options) (string, *zk.Stat, error) {
	tag, err := newTag()
	if err != nil {
		return "", nil, err
	}
	var retries backoff.Counter
	for {
		p, st, err := c.CreateWithStat(ctx, dir+"/"+tag+kind, o.data, zk.EphemeralSequential, o.acl)
		switch {
		case err == nil:
			return p, st, nil
		case errors.Is(err, zk.ErrNoNode):
			if err := ensureDir(ctx, c, dir, o.acl); err != nil {
				return "", nil, err
			}
			continue
		case errors.Is(err, zk.ErrConnectionLoss) && !zk.SafeToRetry(err):
			retries.Wait(ctx) // a pause; an ended ctx fails the next call
			// The create may have been applied: look before retrying.
			p, st, err := findTagged(ctx, c, dir, tag)
			if err != nil {
				removeTagged(ctx, c, dir, tag)
				return "", nil, err
			}
			if p != "" {
				return p, st, nil
			}
			continue
		case errors.Is(err, zk.ErrConnectionLoss):
			retries.Wait(ctx) // a pause; an ended ctx fails the next call
			continue          // never sent
		}
		if ctx.Err() != nil {
			removeTagged(ctx, c, dir, tag) // it may be on the wire still
		}
		return "", nil, err
	}
}

// ensureDir creates dir as a container and its missing parents as
// persistent nodes. A node that exists already is fine.
func ensureDir(ctx context.Context, c Client, dir string, acl []zk.ACL) error {
	i := 0
	for i < len(dir) {
		j := strings.IndexByte(dir[i+1:], '/')
		if j < 0 {
			i = len(dir)
		} else {
			i += 1 + j
		}
		mode := zk.Persistent
		if i == len(dir) {
			mode = zk.Container
		}
		var retries backoff.Counter
		for {
			_, err := c.Create(ctx, dir[:i], nil, mode, acl)
			if err == nil || errors.Is(err, zk.ErrNodeExists) {
				break
			}
			if errors.Is(err, zk.ErrConnectionLoss) {
				retries.Wait(ctx) // a pause; an ended ctx fails the next call
				continue          // creating again is harmless: at worst NodeExists
			}
			return err
		}
	}
	return nil
}

// findTagged returns the path and Stat of dir's child starting with tag,
// or "" if there is none.
func findTagged(ctx context.Context, c Client, dir, tag string) (string, *zk.Stat, error) {
	var retries backoff.Counter
	for {
		names, _, err := c.Children(ctx, dir)
		if errors.Is(err, zk.ErrConnectionLoss) {
			retries.Wait(ctx) // a pause; an ended ctx fails the next call
			continue
		}
		if errors.Is(err, zk.ErrNoNode) {
			return "", nil, nil
		}
		if err != nil {
			return "", nil, err
		}
		i := slices.IndexFunc(names, func(n string) bool { return strings.HasPrefix(n, tag) })
		if i < 0 {
			return "", nil, nil
		}
		p := dir + "/" + names[i]
		ok, st, err := c.Exists(ctx, p)
		if errors.Is(err, zk.ErrConnectionLoss) {
			retries.Wait(ctx) // a pause; an ended ctx fails the next call
			continue
		}
		if err != nil {
			return "", nil, err
		}
		if !ok {
			return "", nil, nil
		}
		return p, st, nil
	}
}

// removeTagged deletes dir's children starting with tag, on a context of
// its own: the caller's may have ended, which is why it is cleaning up.
func removeTagged(ctx context.Context, c Client, dir, tag string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var retries backoff.Counter
	for {
		names, _, err := c.Children(ctx, dir)
		if errors.Is(err, zk.ErrConnectionLoss) {
			retries.Wait(ctx) // a pause; an ended ctx fails the next call
			continue
		}
		if err != nil {
			return
		}
		for _, n := range names {
			if strings.HasPrefix(n, tag) {
				_ = deleteNode(ctx, c, dir+"/"+n)
			}
		}
		return
	}
}

// removeNode deletes a contender's node on a context of its own (see
// removeTagged).
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
		switch {
		case err == nil, errors.Is(err, zk.ErrNoNode), errors.Is(err, zk.ErrSessionExpired), errors.Is(err, zk.ErrClosed):
			return nil
		case errors.Is(err, zk.ErrConnectionLoss):
			retries.Wait(ctx) // a pause; an ended ctx fails the next call
			continue
		}
		return err
	}
}

// base returns the last element of a path.
func base(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }
