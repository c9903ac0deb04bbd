package discovery

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"strings"

	"github.com/zkwire/zk"
)

// Instance is one registered instance of a service, stored as JSON in its
// node.
type Instance struct {
	// ID names the instance within its service (the node's name).
	ID string `json:"id"`
	// Name is the service's name (the parent node's name).
	Name    string `json:"name"`
	Address string `json:"address"`
	Port    int    `json:"port"`
	// Payload is free-form metadata.
	Payload map[string]string `json:"payload,omitempty"`
	// Primary marks the instance that PrimaryPreferred picks first.
	Primary bool `json:"primary,omitempty"`
	// Load is the figure LeastLoaded minimises (lower is better); publish
	// new values with Registry.Update.
	Load float64 `json:"load"`
}

// ErrInvalidInstance: an Instance (or a service name) that cannot be
// registered; nothing was sent.
var ErrInvalidInstance = errors.New("discovery: invalid instance")

// validName checks a service name or instance id: one path segment.
func validName(what, s string) error {
	if s == "" || s == "." || s == ".." || strings.Contains(s, "/") {
		return fmt.Errorf("%w: %s %q is not a single path segment", ErrInvalidInstance, what, s)
	}
	if err := zk.ValidatePath("/"+s, false); err != nil {
		return fmt.Errorf("%w: %s %q: %v", ErrInvalidInstance, what, s, err)
	}
	return nil
}

// validate checks everything a registration needs.
func (in Instance) validate() error {
	if err := validName("service name", in.Name); err != nil {
		return err
	}
	if err := validName("instance id", in.ID); err != nil {
		return err
	}
	if in.Address == "" {
		return fmt.Errorf("%w: %s/%s has no address", ErrInvalidInstance, in.Name, in.ID)
	}
	if in.Port < 0 || in.Port > 65535 {
		return fmt.Errorf("%w: %s/%s: port %d out of range", ErrInvalidInstance, in.Name, in.ID, in.Port)
	}
	if math.IsNaN(in.Load) || math.IsInf(in.Load, 0) {
		return fmt.Errorf("%w: %s/%s: load %v is not a number", ErrInvalidInstance, in.Name, in.ID, in.Load)
	}
	return nil
}

// parseInstance decodes the data of the node for instance id of service
// name. Data that is empty, not JSON, or not an Instance for that node
// (wrong id or name, no address) is an error.
func parseInstance(name, id string, data []byte) (Instance, error) {
	var in Instance
	if err := json.Unmarshal(data, &in); err != nil {
		return Instance{}, err
	}
	if in.ID != id || in.Name != name {
		return Instance{}, fmt.Errorf("node %s/%s holds instance %s/%s", name, id, in.Name, in.ID)
	}
	if err := in.validate(); err != nil {
		return Instance{}, err
	}
	return in, nil
}

func (in Instance) clone() Instance {
	in.Payload = maps.Clone(in.Payload)
	return in
}
