package bench

import (
	"context"

	"github.com/zkwire/zk"
)

// ZKCallbacks says that zk's callback form of watches (zk.OnEvent) is in
// the build: the comparison runs it as a third client of watch-fire.
const ZKCallbacks = true

// GetWFunc sets the watch in the callback form: zk calls fired from its
// delivery goroutine, with no channel or goroutine per watch.
func (z zkClient) GetWFunc(ctx context.Context, path string, fired func(ok bool)) error {
	_, _, _, err := z.c.GetW(ctx, path, zk.OnEvent(func(ev zk.Event) {
		fired(ev.Err == nil && ev.Type != zk.EventNone)
	}))
	return err
}
