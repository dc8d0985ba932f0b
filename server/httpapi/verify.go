package httpapi

import (
	_ "embed"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

const verifyShape = `Send a JSON object such as {"key":"apk_imp_…","type":"import"}.`

// handleVerify is POST /api/v1/keys/verify. A refused key is a 200 with
// valid:false and the reason; only a broken request is an error. Error messages
// never repeat what was sent: the body holds a secret, maybe in the wrong field.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > s.maxBody {
		s.tooLarge(w, r)
		return
	}
	// A missing key is a broken request (400), an empty key is a malformed key
	// (valid:false): the request's pointers tell them apart.
	req, err := s.readVerifyRequest(w, r)
	switch {
	case tooBig(err):
		s.tooLarge(w, r)
		return
	case errors.Is(err, errBodyCut):
		writeError(w, r, http.StatusBadRequest, codeInvalidRequest, "The request body was cut short or came too slowly: send all of it, in "+
			itoa(int64(ReadTimeout/time.Second))+" seconds at most.")
		return
	case errors.Is(err, io.EOF):
		writeError(w, r, http.StatusBadRequest, codeInvalidRequest, "The request body is empty. "+verifyShape)
		return
	case err != nil:
		writeError(w, r, http.StatusBadRequest, codeInvalidRequest, "The request body is not the JSON this endpoint takes. "+verifyShape)
		return
	case req.Key == nil:
		writeError(w, r, http.StatusBadRequest, codeInvalidRequest, `"key" is required. `+verifyShape)
		return
	case req.Type == nil:
		writeError(w, r, http.StatusBadRequest, codeInvalidRequest, `"type" is required: one of `+model.KeyTypeList()+`.`)
		return
	}
	want, err := model.ParseKeyType(*req.Type)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, codeInvalidRequest, `Unknown "type": use one of `+model.KeyTypeList()+`.`)
		return
	}

	addr, ok := s.presentedFrom(w, r, req.Address)
	if !ok {
		return
	}
	res, err := s.b.Verify(r.Context(), *req.Key, want, addr.String())
	if err != nil {
		s.writeModelError(w, r, err)
		return
	}
	if !res.Valid {
		writeJSON(w, http.StatusOK, contract.VerifyInvalid{Reason: res.Reason})
		return
	}
	infoOf(w).keyID = res.Key.ID
	writeVerified(w, contract.VerifiedOf(res.Key))
}

// writeVerified answers with v: the bytes writeJSON writes for it, appended
// (encoding/json's reflection was a twentieth of a verify's CPU through a real
// serve). TestVerifiedEncodingMatchesContract holds the two byte for byte; a
// time MarshalJSON would refuse goes through writeJSON.
func writeVerified(w http.ResponseWriter, v contract.VerifyValid) {
	buf := lineBufs.Get().(*[]byte) // Write copies it out (an array here would escape)
	defer lineBufs.Put(buf)
	b := append((*buf)[:0], `{"valid":`...)
	b = strconv.AppendBool(b, v.Valid)
	b = append(b, `,"keyId":`...)
	b = appendJSONString(b, v.KeyID)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, v.Name)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, v.Type)
	b = append(b, `,"expiresAt":`...)
	b, ok := appendJSONTime(b, v.ExpiresAt)
	if !ok {
		writeJSON(w, http.StatusOK, v)
		return
	}
	b = append(b, "}\n"...)
	*buf = b
	h := w.Header()
	h["Content-Type"] = jsonType
	h["Content-Length"] = contentLength(len(b))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// contentLength is a Content-Length header's value for n bytes: for the
// sizes answers have, a slice of one table, allocated once.
func contentLength(n int) []string {
	if n < len(contentLengths) {
		return contentLengths[n : n+1 : n+1]
	}
	return []string{strconv.Itoa(n)}
}

var contentLengths = func() []string {
	t := make([]string, 4096)
	for n := range t {
		t[n] = strconv.Itoa(n)
	}
	return t
}()

var errTrailing = errors.New("data after the JSON object")

// tooBig reports a body read past its limit (http.MaxBytesReader's error).
func tooBig(err error) bool {
	if err == nil {
		return false // before the variable errors.As needs, which escapes
	}
	var e *http.MaxBytesError
	return errors.As(err, &e)
}

func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusRequestEntityTooLarge, codeTooLarge,
		"The request body is larger than "+itoa(s.maxBody)+" bytes.")
}

//go:embed openapi.json
var openAPI []byte

// handleOpenAPI serves the OpenAPI 3 document of this API, kept in the repository
// beside the code (openapi.json) and checked against the routes by the tests.
func handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Content-Length", itoa(int64(len(openAPI))))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPI)
}
