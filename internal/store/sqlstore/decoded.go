package sqlstore

import (
	"encoding/json"
	"hash/maphash"
	"sync/atomic"

	"github.com/registrar-dev/registrar/internal/client"
)

// decodedClients remembers the last decoding of each client's metadata and
// provenance JSON. Token requests read the same few clients over and over,
// and decoding their JSON was a third of reading them. An entry is used
// only for byte-identical JSON read from the database in the same query,
// so it is never stale, whatever changed the row and wherever; callers get
// a deep copy, so none can change what another sees.
//
// It is a fixed table of slots indexed by a hash of the client's key: a
// collision just replaces the slot, so memory stays bounded however many
// clients there are.
type decodedClients struct {
	seed  maphash.Seed
	slots [1024]atomic.Pointer[decodedClient]
}

type decodedClient struct {
	workspace, id string
	metadataJSON  string
	provJSON      string
	metadata      client.Metadata
	provenance    client.Provenance
}

func newDecodedClients() *decodedClients { return &decodedClients{seed: maphash.MakeSeed()} }

func (d *decodedClients) slot(ws, id string) *atomic.Pointer[decodedClient] {
	var h maphash.Hash
	h.SetSeed(d.seed)
	h.WriteString(ws)
	h.WriteByte(0)
	h.WriteString(id)
	return &d.slots[h.Sum64()%uint64(len(d.slots))]
}

// decode fills c's metadata and provenance from their JSON, reusing the
// last decoding of the same text.
func (d *decodedClients) decode(c *client.Client, metadataJSON, provJSON string) error {
	slot := d.slot(c.Workspace, c.ID)
	if e := slot.Load(); e != nil && e.workspace == c.Workspace && e.id == c.ID && e.metadataJSON == metadataJSON && e.provJSON == provJSON {
		c.Metadata, c.Provenance = e.metadata.Clone(), e.provenance
		return nil
	}
	e := &decodedClient{workspace: c.Workspace, id: c.ID, metadataJSON: metadataJSON, provJSON: provJSON}
	if err := json.Unmarshal([]byte(metadataJSON), &e.metadata); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(provJSON), &e.provenance); err != nil {
		return err
	}
	slot.Store(e)
	c.Metadata, c.Provenance = e.metadata.Clone(), e.provenance
	return nil
}
