package admin

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/registrar-dev/registrar/internal/config"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/strictjson"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// WorkspaceView is a workspace as an operator sees it.
type WorkspaceView struct {
	Name     string             `json:"name"`
	Settings workspace.Settings `json:"settings"`
	// YAMLOwned: the YAML configuration declares the workspace and a
	// server start applies its settings again, so they change there.
	YAMLOwned bool      `json:"yaml_owned"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (s *Service) viewWorkspace(ws workspace.Workspace) WorkspaceView {
	return WorkspaceView{Name: ws.Name, Settings: ws.Settings, YAMLOwned: s.yamlOwns(ws.Name), CreatedAt: ws.CreatedAt, UpdatedAt: ws.UpdatedAt}
}

func (s *Service) yamlOwns(name string) bool { return s.YAMLOwns != nil && s.YAMLOwns(name) }

// Workspaces lists the workspaces by name.
func (s *Service) Workspaces(ctx context.Context) ([]WorkspaceView, error) {
	all, err := s.Store.ListWorkspaces(ctx)
	if err != nil {
		return nil, err
	}
	views := make([]WorkspaceView, 0, len(all))
	for _, ws := range all {
		views = append(views, s.viewWorkspace(ws))
	}
	return views, nil
}

// WorkspaceView returns one workspace.
func (s *Service) WorkspaceView(ctx context.Context, name string) (WorkspaceView, error) {
	ws, err := s.Workspace(ctx, name)
	if err != nil {
		return WorkspaceView{}, err
	}
	return s.viewWorkspace(ws), nil
}

// UpdateWorkspaceSettings changes a workspace's settings by a JSON merge
// patch (RFC 7396) over them, as GET shows them. The result is held to
// every rule the YAML's settings are, all problems reported at once. A
// workspace the YAML declares is refused as a conflict naming the first
// key the patch sets: a start would apply the file again and undo the
// change silently.
func (s *Service) UpdateWorkspaceSettings(ctx context.Context, name string, patch []byte) (WorkspaceView, error) {
	members, err := strictjson.DecodeObject(patch)
	if err != nil {
		return WorkspaceView{}, refuse(ErrInvalid, "the body must be a JSON object of settings: %v", err)
	}
	ws, err := s.Workspace(ctx, name)
	if err != nil {
		return WorkspaceView{}, err
	}
	if len(members) == 0 {
		return s.viewWorkspace(ws), nil
	}
	if s.yamlOwns(name) {
		return WorkspaceView{}, refuse(ErrConflict, "workspace %s is declared in the YAML configuration, which sets its settings at every start: set %s there",
			name, patchPaths(patch)[0])
	}
	settings, err := patchedSettings(ws.Settings, patch)
	if err != nil {
		return WorkspaceView{}, err
	}
	now := s.Time()
	if err := s.Store.UpdateWorkspaceSettings(ctx, name, settings, now); err != nil {
		return WorkspaceView{}, err
	}
	ws.Settings, ws.UpdatedAt = settings, now
	s.audit(ctx, name, ActionWorkspaceUpdate, "", "")
	return s.viewWorkspace(ws), nil
}

// patchedSettings applies patch to cur and checks the result.
func patchedSettings(cur workspace.Settings, patch []byte) (workspace.Settings, error) {
	doc, err := json.Marshal(cur)
	if err != nil {
		return cur, err
	}
	merged, err := jsonpatch.MergePatch(doc, patch)
	if err != nil {
		return cur, refuse(ErrInvalid, "the patch does not apply: %v", err)
	}
	next, problems := config.DecodeSettings(merged, workspace.Settings{})
	if len(problems) > 0 {
		return cur, refuse(ErrInvalid, "%s", strings.Join(problems, "; "))
	}
	return next, nil
}

// patchPaths are the dotted keys a merge patch sets, sorted: a member
// whose value is a non-empty object stands for the keys inside it.
func patchPaths(patch []byte) []string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(patch, &obj) != nil {
		return nil
	}
	var paths []string
	for k, v := range obj {
		inner := patchPaths(v)
		if len(inner) == 0 {
			paths = append(paths, k)
		}
		for _, p := range inner {
			paths = append(paths, k+"."+p)
		}
	}
	slices.Sort(paths)
	return paths
}

// CreatedThroughAPI reports whether the workspace was created by an
// admin front end (its audit trail says so): one the YAML declares later
// has its settings replaced by the file's at every start.
func (s *Service) CreatedThroughAPI(ctx context.Context, name string) (bool, error) {
	events, err := s.Store.SearchAuditEvents(ctx, name, store.AuditSearch{Action: ActionWorkspaceCreate, Limit: 1})
	return len(events) > 0, err
}

// CreateWorkspace makes a workspace with the default settings (of the
// profile settings names, if any) patched by settings, a JSON merge
// patch as UpdateWorkspaceSettings takes, and its signing keys. The YAML
// does not own it: its settings change through the API. A name the YAML
// declares, or one taken, is a conflict.
func (s *Service) CreateWorkspace(ctx context.Context, name string, settings []byte) (WorkspaceView, error) {
	if err := workspace.ValidateName(name); err != nil {
		return WorkspaceView{}, refuse(ErrInvalid, "%v", err)
	}
	if len(settings) == 0 {
		settings = []byte(`{}`)
	}
	var profile struct {
		Profile string `json:"profile"`
	}
	if _, err := strictjson.DecodeObject(settings); err != nil || json.Unmarshal(settings, &profile) != nil {
		return WorkspaceView{}, refuse(ErrInvalid, "settings must be a JSON object of settings")
	}
	if s.yamlOwns(name) {
		return WorkspaceView{}, refuse(ErrConflict, "workspace %s is declared in the YAML configuration, which creates it at start", name)
	}
	next, err := patchedSettings(workspace.DefaultSettingsFor(profile.Profile), settings)
	if err != nil {
		return WorkspaceView{}, err
	}
	taken := refuse(ErrConflict, "workspace %s already exists", name)
	if _, err := s.Store.WorkspaceByName(ctx, name); err == nil {
		return WorkspaceView{}, taken
	} else if !errors.Is(err, store.ErrNotFound) {
		return WorkspaceView{}, err
	}
	// Keys before the workspace: a workspace stored without keys could
	// sign nothing, and a retry would find its name taken. Keys made for
	// a name whose insert then fails are the ones a retry uses.
	if err := s.KeyMaker.EnsureKeys(ctx, name); err != nil {
		return WorkspaceView{}, err
	}
	now := s.Time()
	ws := workspace.Workspace{Name: name, Settings: next, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateWorkspace(ctx, ws); errors.Is(err, store.ErrConflict) {
		return WorkspaceView{}, taken
	} else if err != nil {
		return WorkspaceView{}, err
	}
	s.audit(ctx, name, ActionWorkspaceCreate, "", "")
	return s.viewWorkspace(ws), nil
}
