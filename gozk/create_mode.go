package zk

import "fmt"

// createMode is a create flag and what it implies.
type createMode struct {
	flag         int32
	isEphemeral  bool
	isSequential bool
	isContainer  bool
	isTTL        bool
}

// parseCreateMode checks a go-zookeeper create flag (ZooKeeper's
// CreateMode numbers; combinations other than these are invalid).
func parseCreateMode(flag int32) (createMode, error) {
	m := createMode{flag: flag}
	switch flag {
	case FlagPersistent:
	case FlagEphemeral:
		m.isEphemeral = true
	case FlagSequence:
		m.isSequential = true
	case FlagEphemeralSequential:
		m.isEphemeral, m.isSequential = true, true
	case FlagContainer:
		m.isContainer = true
	case FlagTTL:
		m.isTTL = true
	case FlagPersistentSequentialWithTTL:
		m.isSequential, m.isTTL = true, true
	default:
		return createMode{}, fmt.Errorf("invalid flag value: [%v]", flag)
	}
	return m, nil
}
