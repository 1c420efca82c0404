package marketplace

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

var (
	// ErrCredentials matches, through errors.Is, every error caused by a 401
	// or 403 response: the email or API token was rejected, or the account
	// may not see the vendor's reports.
	ErrCredentials = errors.New("marketplace: credentials rejected")
	// ErrNotFound matches, through errors.Is, every error caused by a 404
	// response.
	ErrNotFound = errors.New("marketplace: not found")
	// ErrPaginationLoop is returned when a next link points to a page that
	// was already read; following it would never end.
	ErrPaginationLoop = errors.New("marketplace: pagination loop")
)

// APIError is one entry of the API's JsonErrorsDoc error body.
type APIError struct {
	// Message is the human-readable text, e.g. "Must be a date".
	Message string `json:"message"`
	// Path is a JSON pointer to the offending input, if given.
	Path string `json:"path"`
	// Code is a machine-readable code, if given.
	Code string `json:"code"`
}

// ErrorResponse reports a response with a non-2xx status.
type ErrorResponse struct {
	// Endpoint is the bounded endpoint name, e.g. "licenses".
	Endpoint string
	// Method is the HTTP method.
	Method string
	// URL is the request URL without userinfo; credentials never appear in
	// request URLs.
	URL string
	// StatusCode is the HTTP status code.
	StatusCode int
	// Errors holds the entries of the JsonErrorsDoc body, when there is one.
	Errors []APIError
}

// Error returns the status, the request and the API's messages.
func (e *ErrorResponse) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "marketplace: %s %s %s: %d %s", e.Endpoint, e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	for i, m := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(m.Message)
		if m.Path != "" {
			fmt.Fprintf(&b, " (at %s)", m.Path)
		}
	}
	return b.String()
}

// Is reports whether the response matches target: ErrCredentials for 401
// and 403, ErrNotFound for 404.
func (e *ErrorResponse) Is(target error) bool {
	switch target {
	case ErrCredentials:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	}
	return false
}

// RateLimitError reports a 429 response that the client stopped retrying,
// because the attempts ran out or the server asked for a wait longer than
// RetryPolicy.MaxRetryAfter.
type RateLimitError struct {
	*ErrorResponse
	// RetryAfter is the wait the server asked for, 0 when the header was
	// missing or unreadable.
	RetryAfter time.Duration
}

// Error returns the status, the request and the wait the server asked for.
func (e *RateLimitError) Error() string {
	if e.RetryAfter <= 0 {
		return e.ErrorResponse.Error()
	}
	return fmt.Sprintf("%s (retry after %s)", e.ErrorResponse.Error(), e.RetryAfter)
}

// Unwrap returns the embedded ErrorResponse, so that errors.As finds it too.
func (e *RateLimitError) Unwrap() error { return e.ErrorResponse }

// DecodeError reports a 2xx response whose body is not the JSON the endpoint
// promises: truncated, malformed, or a value of the wrong type. A number
// that cannot be read is an error rather than a silent zero.
type DecodeError struct {
	// Endpoint is the bounded endpoint name.
	Endpoint string
	// Err is the underlying decoding error.
	Err error
}

// Error names the endpoint and the decoding problem.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("marketplace: decode %s response: %v", e.Endpoint, e.Err)
}

// Unwrap returns the underlying decoding error.
func (e *DecodeError) Unwrap() error { return e.Err }

// IsCredentialError reports whether err was caused by rejected credentials
// (401 or 403).
func IsCredentialError(err error) bool { return errors.Is(err, ErrCredentials) }
