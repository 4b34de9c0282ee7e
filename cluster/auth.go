package cluster

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// Auth selects how clients authenticate to the local cluster.
type Auth string

// Authentication modes of the local cluster.
const (
	AuthNone  Auth = ""      // PLAINTEXT client listener, no authorizer
	AuthSCRAM Auth = "scram" // SASL_PLAINTEXT with SCRAM-SHA-256 and an ACL authorizer
)

const scramMechanism = "SCRAM-SHA-256"

// User is a SASL user of a local cluster started with authentication; the first is the super user.
type User struct {
	Name       string `json:"name"`
	Password   string `json:"password"`
	Super      bool   `json:"super"`
	ConfigFile string `json:"client_config_file"` // Java-style .properties for this user (kbench --client-config, Kafka's tools)
}

// RestrictedPrefix is the only topic and group prefix the restricted user may read and write
// (never create, delete or alter configs): enough to show permission errors for what it may not.
const RestrictedPrefix = "kbench-"

func newPassword() (string, error) {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// newUsers makes the super user "admin" and the restricted user "restricted" with fresh passwords.
func newUsers(dir string) ([]User, error) {
	var users []User
	for _, u := range []User{{Name: "admin", Super: true}, {Name: "restricted"}} {
		pw, err := newPassword()
		if err != nil {
			return nil, err
		}
		u.Password = pw
		u.ConfigFile = filepath.Join(dir, "client-"+u.Name+".properties")
		users = append(users, u)
	}
	return users, nil
}

// authProperties are the settings every node needs for SCRAM on the client listener and an ACL
// authorizer; inter-node traffic stays PLAINTEXT and so authenticates as User:ANONYMOUS, which
// must therefore be a super user.
func (c *Cluster) authProperties(p map[string]string, role Role) {
	if c.Auth != AuthSCRAM {
		return
	}
	p["authorizer.class.name"] = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
	p["super.users"] = "User:" + c.Users[0].Name + ";User:ANONYMOUS"
	if role == RoleBroker {
		p["sasl.enabled.mechanisms"] = scramMechanism
		p["listener.name.client.scram-sha-256.sasl.jaas.config"] = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
	}
}

// scramFormatArgs are the StorageTool arguments that bootstrap the users' credentials into the
// metadata log (controllers only).
func (c *Cluster) scramFormatArgs(role Role) []string {
	if c.Auth != AuthSCRAM || role != RoleController {
		return nil
	}
	var args []string
	for _, u := range c.Users {
		args = append(args, "--add-scram", fmt.Sprintf("%s=[name=%s,password=%s]", scramMechanism, u.Name, u.Password))
	}
	return args
}

// writeClientConfigs writes one Java-style client .properties per user, usable with kbench
// --client-config and with Kafka's own tools (--producer.config, --command-config).
func (c *Cluster) writeClientConfigs() error {
	for _, u := range c.Users {
		s := fmt.Sprintf("# %s user of the local kbench cluster in %s\nbootstrap.servers=%s\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanism=%s\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"%s\" password=\"%s\";\n",
			u.Name, c.Dir, c.Bootstrap(), scramMechanism, u.Name, u.Password)
		if err := os.WriteFile(u.ConfigFile, []byte(s), 0o600); err != nil {
			return fmt.Errorf("write %s: %w", u.ConfigFile, err)
		}
	}
	return nil
}

// grantRestricted gives the restricted user read/write/describe on kbench- topics and groups,
// and nothing else.
func (c *Cluster) grantRestricted(ctx context.Context) error {
	if c.Auth != AuthSCRAM {
		return nil
	}
	cfg := c.ClientConfig()
	a, err := kafka.NewAdminClient(&cfg)
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	defer a.Close()
	principal := "User:" + c.Users[1].Name
	var acls kafka.ACLBindings
	for _, rt := range []struct {
		typ kafka.ResourceType
		ops []kafka.ACLOperation
	}{
		{kafka.ResourceTopic, []kafka.ACLOperation{kafka.ACLOperationRead, kafka.ACLOperationWrite, kafka.ACLOperationDescribe}},
		{kafka.ResourceGroup, []kafka.ACLOperation{kafka.ACLOperationRead, kafka.ACLOperationDescribe}},
	} {
		for _, op := range rt.ops {
			acls = append(acls, kafka.ACLBinding{Type: rt.typ, Name: RestrictedPrefix, ResourcePatternType: kafka.ResourcePatternTypePrefixed,
				Principal: principal, Host: "*", Operation: op, PermissionType: kafka.ACLPermissionTypeAllow})
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := a.CreateACLs(ctx, acls)
	if err != nil {
		return fmt.Errorf("grant ACLs to %s: %w", principal, err)
	}
	var errs []string
	for _, r := range res {
		if r.Error.Code() != kafka.ErrNoError {
			errs = append(errs, r.Error.String())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("grant ACLs to %s: %s", principal, strings.Join(errs, "; "))
	}
	return nil
}
