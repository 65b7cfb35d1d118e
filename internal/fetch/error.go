package fetch

// Error is a fetch that failed. Its message is Reason alone, written to
// read well after the name of the field that held the URL
// ("jwks_uri: address 10.0.0.1 is in a private network").
type Error struct {
	URL    string
	Reason string
	// kind is the metrics label (reasons), one of a fixed set.
	kind string
	err  error
}

func (e *Error) Error() string { return e.Reason }

func (e *Error) Unwrap() error { return e.err }

// Failure reasons, the values of the reason label.
const (
	reasonRefusedAddress = "refused_address"
	reasonTimeout        = "timeout"
	reasonTooLarge       = "too_large"
	reasonNotJSON        = "not_json"
	reasonStatus         = "status"
	reasonRedirect       = "redirect"
	reasonTLS            = "tls"
	reasonOther          = "other"
)

var reasons = []string{reasonRefusedAddress, reasonTimeout, reasonTooLarge, reasonNotJSON, reasonStatus, reasonRedirect, reasonTLS, reasonOther}
