package proto

// NewRequest returns an empty request record for op, or nil when the
// request has no body (ping, closeSession, whoAmI) or op is unknown.
// Fake servers, fuzzers and the multi decoder use it.
func NewRequest(op Op) Record {
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer:
		return &CreateRequest{}
	case OpCreateTTL:
		return &CreateTTLRequest{}
	case OpDelete:
		return &DeleteRequest{}
	case OpExists:
		return &ExistsRequest{}
	case OpGetData:
		return &GetDataRequest{}
	case OpSetData:
		return &SetDataRequest{}
	case OpGetACL:
		return &GetACLRequest{}
	case OpSetACL:
		return &SetACLRequest{}
	case OpGetChildren:
		return &GetChildrenRequest{}
	case OpSync:
		return &SyncRequest{}
	case OpGetChildren2:
		return &GetChildren2Request{}
	case OpCheck:
		return &CheckVersionRequest{}
	case OpMulti, OpMultiRead:
		return &MultiRequest{}
	case OpReconfig:
		return &ReconfigRequest{}
	case OpCheckWatches:
		return &CheckWatchesRequest{}
	case OpRemoveWatches:
		return &RemoveWatchesRequest{}
	case OpAuth:
		return &AuthPacket{}
	case OpSetWatches:
		return &SetWatches{}
	case OpSASL:
		return &GetSASLRequest{}
	case OpGetEphemerals:
		return &GetEphemeralsRequest{}
	case OpGetAllChildrenNumber:
		return &GetAllChildrenNumberRequest{}
	case OpSetWatches2:
		return &SetWatches2{}
	case OpAddWatch:
		return &AddWatchRequest{}
	}
	return nil
}

// NewResponse returns an empty record for the reply body of op (err 0), or
// nil when the reply has no body (delete, check, checkWatches,
// removeWatches, auth, setWatches, ping, closeSession) or op is unknown.
// OpNotification gives the WatcherEvent of a notification (xid -1).
func NewResponse(op Op) Record {
	switch op {
	case OpNotification:
		return &WatcherEvent{}
	case OpCreate:
		return &CreateResponse{}
	case OpCreate2, OpCreateContainer, OpCreateTTL:
		return &Create2Response{}
	case OpExists:
		return &ExistsResponse{}
	case OpGetData, OpReconfig:
		return &GetDataResponse{}
	case OpSetData:
		return &SetDataResponse{}
	case OpGetACL:
		return &GetACLResponse{}
	case OpSetACL:
		return &SetACLResponse{}
	case OpGetChildren:
		return &GetChildrenResponse{}
	case OpSync:
		return &SyncResponse{}
	case OpGetChildren2:
		return &GetChildren2Response{}
	case OpMulti, OpMultiRead:
		return &MultiResponse{}
	case OpSASL:
		return &SetSASLResponse{}
	case OpGetEphemerals:
		return &GetEphemeralsResponse{}
	case OpGetAllChildrenNumber:
		return &GetAllChildrenNumberResponse{}
	case OpAddWatch:
		return &ErrorResponse{}
	case OpWhoAmI:
		return &WhoAmIResponse{}
	}
	return nil
}
