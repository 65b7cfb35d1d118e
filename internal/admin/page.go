package admin

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Page sizes of the operator's lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// PageSize reads a list's limit parameter as the caller gave it: def when
// absent, a refusal (ErrInvalid) for anything but a whole number from 1 to
// MaxPageSize — 0 included, as a caller who sends it did not mean "the
// default".
func PageSize(raw string, def int) (int, error) {
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > MaxPageSize {
		return 0, refuse(ErrInvalid, "limit must be a whole number from 1 to %d", MaxPageSize)
	}
	return n, nil
}

// pageSize is a list's limit: DefaultPageSize for 0, refused outside
// 1..MaxPageSize.
func pageSize(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultPageSize, nil
	case limit < 0 || limit > MaxPageSize:
		return 0, refuse(ErrInvalid, "limit must be between 1 and %d", MaxPageSize)
	}
	return limit, nil
}

// A cursor is the place of a page's last item, (time, id), opaque to the
// caller: base64url of "<unix microseconds>.<id>".
func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + "." + id))
}

// decodeCursor reads a cursor encodeCursor made; ok false for "" and
// anything else is a refusal.
func decodeCursor(cursor string) (at time.Time, id string, ok bool, err error) {
	if cursor == "" {
		return time.Time{}, "", false, nil
	}
	garbage := refuse(ErrInvalid, "cursor is not one this server gave: start again without it")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return time.Time{}, "", false, garbage
	}
	micros, id, found := strings.Cut(string(raw), ".")
	n, err := strconv.ParseInt(micros, 10, 64)
	if !found || err != nil || n < 0 || id == "" {
		return time.Time{}, "", false, garbage
	}
	return time.UnixMicro(n).UTC(), id, true, nil
}

// pageOf cuts items, read with a limit one above the page's, to the
// page, with the cursor after its last item (placed by key): none on the
// last page, as nothing follows it.
func pageOf[T any](items []T, limit int, key func(T) (time.Time, string)) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, encodeCursor(key(items[limit-1]))
}
