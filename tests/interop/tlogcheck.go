// tlogcheck — checks a running algoreg's transparency log with code nobody on this
// project wrote: Go's golang.org/x/mod/sumdb/note (signed notes) and sumdb/tlog (tree
// hashing, tiles, proofs), from Debian's golang-golang-x-mod-dev, built offline.
//
// Usage: tlogcheck BASE_URL VERIFIER_KEY [OLD_CHECKPOINT_FILE]
// Prints "interop: N passed, M failed"; exit status 1 on any failure.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var base string
var passed, failed int

func check(name string, err error) bool {
	if err != nil {
		failed++
		fmt.Printf("not ok - %s: %v\n", name, err)
		return false
	}
	passed++
	fmt.Printf("ok - %s\n", name)
	return true
}

func get(path string) ([]byte, error) {
	resp, err := http.Get(base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b, nil
}

// tileReader reads algoreg's c2sp.org/tlog-tiles paths, which are Go's sumdb tile paths
// without the height element ("tile/8/0/x001/234" is served as "tile/0/x001/234").
type tileReader struct{}

func (tileReader) Height() int { return 8 }

func (tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		p := strings.TrimPrefix(t.Path(), "tile/8/")
		b, err := get("/tile/" + p)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

func openCheckpoint(msg []byte, v note.Verifier) (tlog.Tree, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return tlog.Tree{}, err
	}
	// tlog.ParseTree wants the sumdb form "go.sum database tree\nN\nHASH\n"; a
	// c2sp checkpoint has the origin as its first line instead.
	lines := strings.SplitN(n.Text, "\n", 2)
	return tlog.ParseTree([]byte("go.sum database tree\n" + lines[1]))
}

func b64hash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("bad hash %q", s)
	}
	copy(h[:], b)
	return h, nil
}

func proofOf(list []string) (tlog.RecordProof, error) {
	var p tlog.RecordProof
	for _, s := range list {
		h, err := b64hash(s)
		if err != nil {
			return nil, err
		}
		p = append(p, h)
	}
	return p, nil
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: tlogcheck BASE_URL VERIFIER_KEY [OLD_CHECKPOINT_FILE]")
		os.Exit(2)
	}
	base = strings.TrimRight(os.Args[1], "/")
	v, err := note.NewVerifier(os.Args[2])
	if !check("verifier key parses", err) {
		os.Exit(1)
	}
	msg, err := get("/checkpoint")
	check("fetch checkpoint", err)
	tree, err := openCheckpoint(msg, v)
	if !check("checkpoint signature verifies (sumdb/note)", err) {
		fmt.Printf("interop: %d passed, %d failed\n", passed, failed)
		os.Exit(1)
	}
	// Tampering is detected.
	bad := append([]byte{}, msg...)
	bad[len(bad)/3] ^= 1
	if _, err := note.Open(bad, note.VerifierList(v)); err == nil {
		check("tampered checkpoint is refused", fmt.Errorf("accepted"))
	} else {
		check("tampered checkpoint is refused", nil)
	}
	// The root recomputed from algoreg's tiles equals the signed one.
	hr := tlog.TileHashReader(tree, tileReader{})
	root, err := tlog.TreeHash(tree.N, hr)
	if err == nil && root != tree.Hash {
		err = fmt.Errorf("tiles give %v, checkpoint says %v", root, tree.Hash)
	}
	check(fmt.Sprintf("tiles hash to the checkpoint's root (size %d)", tree.N), err)
	// Every entry: its bundle bytes hash to the leaf, and algoreg's inclusion proof
	// equals the one tlog derives from the tiles and checks against the root.
	for i := int64(0); i < tree.N; i++ {
		var e struct {
			Data  string   `json:"data"`
			Proof []string `json:"proof"`
		}
		b, err := get(fmt.Sprintf("/api/v1/log/entries/%d", i))
		if err == nil {
			err = json.Unmarshal(b, &e)
		}
		leaf := tlog.RecordHash([]byte(e.Data))
		var p struct {
			Proof []string `json:"proof"`
		}
		if err == nil {
			b, err = get(fmt.Sprintf("/api/v1/log/proof/inclusion?index=%d&size=%d", i, tree.N))
		}
		if err == nil {
			err = json.Unmarshal(b, &p)
		}
		var proof tlog.RecordProof
		if err == nil {
			proof, err = proofOf(p.Proof)
		}
		if err == nil {
			err = tlog.CheckRecord(proof, tree.N, tree.Hash, i, leaf)
		}
		if err == nil {
			var own tlog.RecordProof
			own, err = tlog.ProveRecord(tree.N, i, hr)
			if err == nil && fmt.Sprint(own) != fmt.Sprint(proof) {
				err = fmt.Errorf("proof differs from tlog's")
			}
		}
		check(fmt.Sprintf("entry %d included (sumdb/tlog CheckRecord)", i), err)
	}
	// Consistency with an older checkpoint, if one was saved.
	if len(os.Args) > 3 {
		old, err := os.ReadFile(os.Args[3])
		var oldTree tlog.Tree
		if err == nil {
			oldTree, err = openCheckpoint(old, v)
		}
		var c struct {
			Proof []string `json:"proof"`
		}
		if err == nil {
			var b []byte
			b, err = get(fmt.Sprintf("/api/v1/log/proof/consistency?from=%d&to=%d", oldTree.N, tree.N))
			if err == nil {
				err = json.Unmarshal(b, &c)
			}
		}
		var proof tlog.RecordProof
		if err == nil {
			proof, err = proofOf(c.Proof)
		}
		if err == nil {
			err = tlog.CheckTree(tlog.TreeProof(proof), tree.N, tree.Hash, oldTree.N, oldTree.Hash)
		}
		check(fmt.Sprintf("checkpoint %d consistent with %d (sumdb/tlog CheckTree)", oldTree.N, tree.N), err)
		if err == nil {
			var own tlog.TreeProof
			own, err = tlog.ProveTree(tree.N, oldTree.N, hr)
			if err == nil && fmt.Sprint(own) != fmt.Sprint(proof) {
				err = fmt.Errorf("consistency proof differs from tlog's")
			}
			check("consistency proof equals tlog's own from the tiles", err)
		}
	}
	fmt.Printf("interop: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
