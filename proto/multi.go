package proto

import (
	"errors"
	"fmt"

	"github.com/zkwire/zk/jute"
)

// The multi (14) and multiRead (22) bodies are not in zookeeper.jute: the
// Java client codes them by hand in MultiOperationRecord (requests) and
// MultiResponse (replies), as a sequence of MultiHeader + record pairs
// closed by a terminator header {-1, true, -1}. This file mirrors those two
// classes' serialize/deserialize methods.

// ErrBadMultiOp is wrapped by the decode error for a multi header whose type
// cannot appear at that place (an unknown request or result type).
var ErrBadMultiOp = errors.New("proto: invalid operation type in multi")

// ErrTooManyResults is wrapped by the decode error for a multi reply with
// more results than MultiResponse.MaxResults.
var ErrTooManyResults = errors.New("proto: more multi results than operations sent")

// MultiHeader precedes each operation or result of a multi, and terminates
// the list with Done set. Requests carry Err -1; results carry the op's
// code (0 unless Type is OpError).
type MultiHeader struct {
	Type Op
	Done bool
	Err  Code
}

func (x *MultiHeader) AppendTo(dst []byte) []byte {
	dst = jute.AppendInt32(dst, int32(x.Type))
	dst = jute.AppendBool(dst, x.Done)
	return jute.AppendInt32(dst, int32(x.Err))
}

func (x *MultiHeader) Decode(r *jute.Reader) {
	x.Type = Op(r.Int32())
	x.Done = r.Bool()
	x.Err = Code(r.Int32())
}

// multiEnd is the terminator of both request and reply lists.
var multiEnd = MultiHeader{Type: OpError, Done: true, Err: -1}

// MultiOp is one operation of a multi or multiRead request. Req must be the
// request record for Op: *CreateRequest for create, create2 and
// createContainer, *CreateTTLRequest for createTTL, *DeleteRequest,
// *SetDataRequest, *CheckVersionRequest, and for multiRead *GetDataRequest
// or *GetChildrenRequest.
type MultiOp struct {
	Op  Op
	Req Record
}

// MultiRequest is the body of multi (14) and multiRead (22)
// (Java MultiOperationRecord). The server rejects reads inside multi and
// writes inside multiRead with MarshallingError; this record does not.
type MultiRequest struct {
	Ops []MultiOp
}

func (x *MultiRequest) AppendTo(dst []byte) []byte {
	for i := range x.Ops {
		op := &x.Ops[i]
		h := MultiHeader{Type: op.Op, Err: -1}
		dst = h.AppendTo(dst)
		if op.Req != nil {
			dst = op.Req.AppendTo(dst)
		}
	}
	return multiEnd.AppendTo(dst)
}

// Decode reads operations up to the terminator. An empty multi decodes as
// nil Ops. Input that ends before the terminator is an error.
func (x *MultiRequest) Decode(r *jute.Reader) {
	x.Ops = nil
	var h MultiHeader
	// Every pass consumes at least a 9-byte header or fails, so the loop
	// ends with the input.
	for {
		h.Decode(r)
		if r.Err() != nil || h.Done {
			return
		}
		var req Record
		switch h.Type {
		case OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL,
			OpDelete, OpSetData, OpCheck, OpGetData, OpGetChildren:
			req = NewRequest(h.Type)
		default:
			r.Fail(fmt.Errorf("%w: request type %v", ErrBadMultiOp, h.Type))
			return
		}
		req.Decode(r)
		x.Ops = append(x.Ops, MultiOp{Op: h.Type, Req: req})
	}
}

// MultiResult is one result of a multi or multiRead reply.
//
// Op is the result type, which is not always the request's opcode: create2
// inside a multi answers with type create (CreateResponse, no Stat), while
// createContainer and createTTL answer with create2 (Create2Response). A
// failed op has Op OpError, Err its code and Resp an *ErrorResponse; in a
// failed multi every result is an error, ErrOK for the ops before the
// failing one and RuntimeInconsistency after it. Delete and check results
// have no body (Resp nil).
type MultiResult struct {
	Op   Op
	Err  Code
	Resp Record
}

// MultiResponse is the body of a multi or multiRead reply (Java
// MultiResponse). The reply header's err is 0 even when the multi failed:
// look at the results.
type MultiResponse struct {
	Results []MultiResult
	// MaxResults bounds Decode: the server answers every operation with
	// exactly one result, so the number of operations sent is the most a
	// reply can hold, and a reply with more is refused (ErrTooManyResults)
	// as soon as the extra result starts, before it or any further one is
	// built. Zero means no bound; a negative value allows no result (an
	// empty request). conn sets it from the request. It is not encoded.
	MaxResults int
}

// AppendTo writes each result's header and body. For an OpError result the
// body is the code in Err (Resp is ignored), as Java writes it.
func (x *MultiResponse) AppendTo(dst []byte) []byte {
	for i := range x.Results {
		res := &x.Results[i]
		h := MultiHeader{Type: res.Op, Err: res.Err}
		dst = h.AppendTo(dst)
		switch {
		case res.Op == OpError:
			dst = jute.AppendInt32(dst, int32(res.Err))
		case res.Resp != nil:
			dst = res.Resp.AppendTo(dst)
		}
	}
	return multiEnd.AppendTo(dst)
}

// Decode reads results up to the terminator, choosing each body by the
// result type. For an error result Err is taken from the body, as Java
// does; otherwise from the header (0 from a real server). An empty reply
// decodes as nil Results. Input that ends before the terminator is an
// error.
func (x *MultiResponse) Decode(r *jute.Reader) {
	x.Results = nil
	if x.MaxResults > 0 {
		x.Results = make([]MultiResult, 0, x.MaxResults)
	}
	var h MultiHeader
	// Every pass consumes at least a 9-byte header or fails.
	for {
		h.Decode(r)
		if r.Err() != nil || h.Done {
			if len(x.Results) == 0 {
				x.Results = nil
			}
			return
		}
		if x.MaxResults != 0 && len(x.Results) >= max(x.MaxResults, 0) {
			r.Fail(fmt.Errorf("%w: result %d of at most %d", ErrTooManyResults, len(x.Results)+1, max(x.MaxResults, 0)))
			return
		}
		res := MultiResult{Op: h.Type, Err: h.Err}
		switch h.Type {
		case OpCreate, OpCreate2, OpSetData, OpGetData, OpGetChildren:
			res.Resp = NewResponse(h.Type)
			res.Resp.Decode(r)
		case OpDelete, OpCheck:
			// no body
		case OpError:
			er := &ErrorResponse{}
			er.Decode(r)
			res.Err, res.Resp = er.Err, er
		default:
			r.Fail(fmt.Errorf("%w: result type %v", ErrBadMultiOp, h.Type))
			return
		}
		if r.Err() != nil {
			return
		}
		x.Results = append(x.Results, res)
	}
}
