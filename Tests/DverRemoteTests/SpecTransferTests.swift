import DverCore
import DverRemote
import DverRepository
import DverSystem
import Foundation
import Testing

/// Pipeline specs through a directory remote, with a stand-in catalog: the remote layout
/// (content-addressed blobs listed in index.json), and the three-way rules of pull and push.
@Suite("directory remote: pipeline specs")
struct SpecTransferTests {
    /// A source project A with one commit and spec `clean`, pushed; B, a clone of it.
    struct Scene {
        let sandbox: Sandbox
        let a: TestProject
        let aSpecs: MemorySpecCatalog
        let b: TestProject
        let bSpecs: MemorySpecCatalog
        let remote: Remote

        init() throws {
            sandbox = try Sandbox()
            a = try sandbox.project("a", files: ["data/raw/a.csv": Array("1,2\n".utf8)])
            aSpecs = MemorySpecCatalog(["clean": "v1"])
            remote = try a.addRemote("origin", url: sandbox.path("remote"))
            _ = try a.push(remote, catalog: aSpecs)
            bSpecs = MemorySpecCatalog()
            b = TestProject(try sandbox.clone(specs: bSpecs).project)
        }

        var bRemote: Remote { get throws { try b.remote("origin") } }

        func index() throws -> RemoteIndex { try remote.readIndex().index }
    }

    @Test("push uploads each spec as pipelines/<sha256>.json and lists it in index.json; a clone takes it")
    func layout() throws {
        let scene = try Scene()
        let blob = MemorySpecCatalog.blob("clean", "v1")
        #expect(try scene.index().pipelines == ["clean": blob.id.hex])
        #expect(try FileSystem.readFile(scene.sandbox.path("remote/pipelines/\(blob.id.hex).json")) == blob.bytes)
        #expect(scene.bSpecs.body("clean") == "v1")
        let again = try scene.a.push(scene.remote, catalog: scene.aSpecs)
        #expect(again.isUpToDate && again.requests == 1 && again.specUpdates.map(\.kind) == [.upToDate])
    }

    @Test("a remote without a pipelines field (written before specs travelled) is read; pushes without specs keep the map")
    func olderRemotes() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: ["data/raw/a.csv": Array("1,2\n".utf8)])
        let remote = try source.addRemote("origin", url: sandbox.path("remote"))
        _ = try source.push(remote)
        #expect(!(try FileSystem.readText(sandbox.path("remote/index.json"))).contains("pipelines"))
        let specs = MemorySpecCatalog()
        let (clone, result) = try sandbox.clone(specs: specs)
        #expect(result.specUpdates.isEmpty && specs.names.isEmpty)
        #expect(try TestProject(clone).read("data/raw/a.csv") == Array("1,2\n".utf8))

        // Once specs are listed, a push of one repo (no catalog) rewrites the index keeping them.
        _ = try source.push(remote, catalog: MemorySpecCatalog(["clean": "v1"]))
        try source.commit(["data/raw/b.csv": Array("3\n".utf8)])
        _ = try source.push(remote, ["raw"])
        #expect(try remote.readIndex().index.pipelines.keys.sorted() == ["clean"])
    }

    @Test("pull takes a spec only the remote changed, keeps one only the local side changed; push publishes it")
    func fastForwards() throws {
        let scene = try Scene()
        scene.aSpecs.set("clean", "v2")
        scene.aSpecs.set("stats", "s1")
        #expect(try scene.a.push(scene.remote, catalog: scene.aSpecs).specUpdates.map(\.kind) == [.updated, .created])
        let pulled = try scene.b.pull(try scene.bRemote, catalog: scene.bSpecs)
        #expect(pulled.specUpdates.map(\.kind) == [.updated, .created])
        #expect(scene.bSpecs.body("clean") == "v2" && scene.bSpecs.body("stats") == "s1")

        scene.bSpecs.set("clean", "v3")
        #expect(try scene.b.pull(try scene.bRemote, catalog: scene.bSpecs).specUpdates.map(\.kind) == [.kept, .upToDate])
        #expect(scene.bSpecs.body("clean") == "v3")
        #expect(try scene.b.push(try scene.bRemote, catalog: scene.bSpecs).specUpdates.map(\.kind) == [.updated, .upToDate])
        // A did not change clean since it pushed v2: it is behind, so its push leaves v3 alone.
        let behind = try scene.a.push(scene.remote, catalog: scene.aSpecs)
        #expect(behind.isUpToDate && behind.specUpdates.map(\.kind) == [.behind, .upToDate])
        #expect(try scene.index().pipelines["clean"] == MemorySpecCatalog.blob("clean", "v3").id.hex)
        _ = try scene.a.pull(scene.remote, catalog: scene.aSpecs)
        #expect(scene.aSpecs.body("clean") == "v3")
    }

    @Test("a spec changed on both sides refuses pull and push before anything moves; --force takes one side")
    func conflicts() throws {
        let scene = try Scene()
        scene.aSpecs.set("clean", "from A")
        try scene.a.commit(["data/raw/a.csv": Array("changed\n".utf8)])
        _ = try scene.a.push(scene.remote, catalog: scene.aSpecs)
        scene.bSpecs.set("clean", "from B")
        let headBefore = try scene.b.head("raw")
        // A fetch alone does not make the local change look like an old version.
        _ = try FetchOperation(project: scene.b.project, remote: try scene.bRemote, specs: scene.bSpecs).run()
        for _ in 0..<2 {
            expectError({ try scene.b.pull(try scene.bRemote, catalog: scene.bSpecs) }) { error in
                guard case RemoteError.specConflict(let names, "origin", pushing: false) = error else { return false }
                return names == ["clean"] && "\(error)".contains("pipeline 'clean' was changed both here and on 'origin'")
            }
        }
        #expect(try scene.b.head("raw") == headBefore)
        #expect(scene.bSpecs.body("clean") == "from B")
        let forced = try scene.b.pull(try scene.bRemote, force: true, catalog: scene.bSpecs)
        #expect(forced.specUpdates.map(\.kind) == [.forced])
        #expect(scene.bSpecs.body("clean") == "from A")
        #expect(try scene.b.read("data/raw/a.csv") == Array("changed\n".utf8))

        scene.aSpecs.set("clean", "A again")
        scene.bSpecs.set("clean", "B again")
        _ = try scene.a.push(scene.remote, catalog: scene.aSpecs)
        let indexBefore = try FileSystem.readFile(scene.sandbox.path("remote/index.json"))
        expectError({ try scene.b.push(try scene.bRemote, catalog: scene.bSpecs) }) { error in
            if case RemoteError.specConflict(["clean"], "origin", pushing: true) = error { return true }
            return false
        }
        #expect(try FileSystem.readFile(scene.sandbox.path("remote/index.json")) == indexBefore)
        #expect(try scene.b.push(try scene.bRemote, force: true, catalog: scene.bSpecs).specUpdates.map(\.kind) == [.forced])
        #expect(try scene.index().pipelines["clean"] == MemorySpecCatalog.blob("clean", "B again").id.hex)
    }

    @Test("a locally deleted spec is not re-added by pull unless the remote changed it; push never deletes remote specs")
    func deletions() throws {
        let scene = try Scene()
        scene.bSpecs.set("clean", nil)
        #expect(try scene.b.pull(try scene.bRemote, catalog: scene.bSpecs).specUpdates.map(\.kind) == [.kept])
        #expect(scene.bSpecs.names.isEmpty)
        _ = try scene.b.push(try scene.bRemote, catalog: scene.bSpecs)
        #expect(try scene.index().pipelines.keys.sorted() == ["clean"])
        scene.aSpecs.set("clean", "v2")
        _ = try scene.a.push(scene.remote, catalog: scene.aSpecs)
        expectError({ try scene.b.pull(try scene.bRemote, catalog: scene.bSpecs) }) { error in
            if case RemoteError.specConflict(["clean"], _, pushing: false) = error { return true }
            return false
        }
    }

    @Test("a spec the catalog cannot adopt refuses the pull before any branch moves")
    func adoptionRefused() throws {
        let scene = try Scene()
        try scene.a.commit(["data/raw/a.csv": Array("changed\n".utf8)])
        scene.aSpecs.set("stats", "reads a repo B lacks")
        _ = try scene.a.push(scene.remote, catalog: scene.aSpecs)
        scene.bSpecs.refuseAdoption(of: "stats")
        let headBefore = try scene.b.head("raw")
        expectError({ try scene.b.pull(try scene.bRemote, catalog: scene.bSpecs) }) { "\($0)".contains("cannot adopt stats") }
        #expect(try scene.b.head("raw") == headBefore && scene.bSpecs.adoptions == 1)
    }
}
