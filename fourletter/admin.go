package fourletter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// The AdminServer (3.5+) serves the four-letter words' information over
// HTTP as JSON: GET <base>/commands/<name> (monitor, stat, connections,
// watches, watches_by_path, configuration, environment, dump, ruok,
// is_read_only, ...; GET <base>/commands lists them). It listens on
// admin.serverPort (8080 by default) when admin.enableServer is true.

// AdminCommand runs the AdminServer command name at baseURL
// ("http://host:8080") and returns its JSON object, numbers as
// json.Number. The server reports a failed command with 200 and an
// "error" field ("Unknown command: x"): that comes back as an error. The
// call is bounded by ctx and DefaultTimeout.
func AdminCommand(ctx context.Context, baseURL, name string) (map[string]any, error) {
	if ctx == nil {
		return nil, fmt.Errorf("fourletter: nil context")
	}
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r == '_') }) {
		return nil, fmt.Errorf("fourletter: %q is not an AdminServer command name", name)
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("fourletter: AdminServer URL %q: want http(s)://host:port", baseURL)
	}
	u = u.JoinPath("commands", name)
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fourletter: %s: %w", u, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fourletter: %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("fourletter: %s (after %d bytes): %w", u, len(body), err)
	}
	if len(body) > maxAnswer {
		return nil, fmt.Errorf("fourletter: %s: answer longer than %d bytes", u, maxAnswer)
	}
	out, err := ParseAdmin(body)
	if err != nil {
		return nil, fmt.Errorf("fourletter: %s: HTTP %d: %w", u, resp.StatusCode, err)
	}
	return out, nil
}

// ParseAdmin decodes an AdminServer answer; its "error" field, when set,
// is returned as an error.
func ParseAdmin(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber() // session ids and zxids exceed float64's integers
	var out map[string]any
	if err := dec.Decode(&out); err != nil || out == nil {
		return nil, fmt.Errorf("%w: not a JSON object: %.200q", ErrUnexpected, body)
	}
	if e, ok := out["error"]; ok && e != nil {
		return nil, fmt.Errorf("fourletter: AdminServer command %v: %v", out["command"], e)
	}
	return out, nil
}

// AdminMonitor runs the monitor command and returns its metrics in mntr's
// form: names with the "zk_" prefix, values as text, so that code reading
// Metrics works with either transport.
func AdminMonitor(ctx context.Context, baseURL string) (Metrics, error) {
	obj, err := AdminCommand(ctx, baseURL, "monitor")
	if err != nil {
		return nil, err
	}
	m := Metrics{}
	for k, v := range obj {
		if k == "command" || k == "error" {
			continue
		}
		switch v := v.(type) {
		case string:
			m["zk_"+k] = v
		case json.Number:
			m["zk_"+k] = v.String()
		case nil:
			m["zk_"+k] = "null" // as mntr prints a missing value
		default:
			b, _ := json.Marshal(v)
			m["zk_"+k] = string(b)
		}
	}
	return m, nil
}
