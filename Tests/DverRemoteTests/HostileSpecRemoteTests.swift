import DverCore
import DverRemote
import DverSystem
import Foundation
import Testing

/// Pipeline specs on a hostile remote: the `pipelines` map of index.json and the spec blobs.
/// Each attack breaks one thing in an otherwise well-formed remote that lists one good spec;
/// clone, fetch and pull (each with a spec catalog) must refuse it by name, take no spec,
/// cache and track nothing, and change nothing outside the project.
@Suite("hostile remotes: pipeline specs")
struct HostileSpecRemoteTests {
    static func spec(_ name: String, _ body: String = "cmd: true") -> [UInt8] { Array(MemorySpecCatalog.text(name, body).utf8) }

    /// The remote's good spec, `clean`, listed under its hash.
    static func withGoodSpec(_ scene: HostileScene) throws {
        try scene.publishSpec("clean", spec("clean"))
    }

    static let attacks: [RemoteAttack] = [
        RemoteAttack("pipeline name ../x", expecting: "pipeline name '../x'") { scene in try scene.publishSpec("../x", spec("../x")) },
        RemoteAttack("pipeline name a/b", expecting: "pipeline name 'a/b'") { scene in try scene.publishSpec("a/b", spec("a/b")) },
        RemoteAttack("pipeline name .dver", expecting: "pipeline name '.dver'") { scene in try scene.publishSpec(".dver", spec(".dver")) },
        RemoteAttack("pipeline name with NUL", expecting: "pipeline name 'a\\x00b'") { scene in try scene.publishSpec("a\u{0}b", spec("a")) },
        RemoteAttack("empty pipeline name", expecting: "pipeline name ''") { scene in try scene.publishSpec("", spec("")) },
        RemoteAttack("spec hash a path", expecting: "is not a spec hash") { scene in
            try scene.rewriteIndex { $0.pipelines["clean"] = "../../../../sentinel/keep" }
        },
        RemoteAttack("spec hash uppercase", expecting: "is not a spec hash") { scene in
            try scene.rewriteIndex { $0.pipelines["clean"] = SHA256.hash(spec("clean")).hex.uppercased() }
        },
        RemoteAttack("a blob that does not hash to its name", expecting: "does not hash to its name") { scene in
            try scene.publishSpec("clean", spec("clean", "cmd: rm -rf ~"), as: SHA256.hash(spec("clean")).hex)
        },
        RemoteAttack("a listed blob that is missing", expecting: "is listed in index.json but missing") { scene in
            try scene.rewriteIndex { $0.pipelines["clean"] = SHA256.hash(spec("clean")).hex }
        },
        RemoteAttack("a blob larger than 1 MiB", expecting: "larger than the 1048576 bytes") { scene in
            try scene.publishSpec("clean", spec("clean", String(repeating: "x", count: RemoteIndex.maximumSpecSize)))
        },
        RemoteAttack("a blob that is an endless stream of zeros", expecting: "larger than the 1048576 bytes") { scene in
            let hex = String(repeating: "0", count: 64)
            try FileSystem.createDirectories("\(scene.remote.root)/pipelines")
            try FileSystem.createSymlink("\(scene.remote.root)/\(RemoteIndex.specKey(hex))", target: "/dev/zero")
            try scene.rewriteIndex { $0.pipelines["clean"] = hex }
        },
        RemoteAttack("a blob whose content the catalog refuses (it names another pipeline)",
                     expecting: "(pipeline 'clean'): refused by the catalog: not a spec named clean") { scene in
            try scene.publishSpec("clean", spec("other"))
        },
        RemoteAttack("one good blob listed under a second name", expecting: "(pipeline 'copy'): refused by the catalog") { scene in
            try withGoodSpec(scene)
            try scene.rewriteIndex { $0.pipelines["copy"] = SHA256.hash(spec("clean")).hex }
        },
    ]

    @Test("the pipelines map and spec blobs are validated before anything is stored", arguments: attacks)
    func refused(_ attack: RemoteAttack) throws {
        let scene = try HostileScene()
        try scene.expectRefused(try attack.apply(scene))
    }

    @Test("the attacks' control: a well-formed spec is cloned, fetched (tracked, cached) and pulled")
    func control() throws {
        let scene = try HostileScene()
        try Self.withGoodSpec(scene)
        let (clone, result) = try scene.sandbox.clone(specs: scene.cloneSpecs)
        #expect(result.specUpdates.map(\.kind) == [.created])
        #expect(scene.cloneSpecs.body("clean") == "cmd: true")
        #expect(try TestProject(clone).read("data/raw/a.csv") == Array("1,2\n".utf8))

        let remote = try scene.target.remote("origin")
        let fetched = try FetchOperation(project: scene.target.project, remote: remote, specs: scene.specs).run()
        #expect(fetched.specUpdates.map(\.name) == ["clean"] && scene.specs.names.isEmpty)
        let cache = "\(scene.target.project.layout.storeDirectory)/remotes/origin"
        let hex = SHA256.hash(Self.spec("clean")).hex
        #expect(try FileSystem.readFile("\(cache)/pipelines/\(hex).json") == Self.spec("clean"))
        #expect(try FileSystem.readText("\(cache)/pipelines.json").contains("\"clean\" : \"\(hex)\""))

        let pulled = try scene.target.pull(remote, catalog: scene.specs)
        #expect(pulled.specUpdates.map(\.kind) == [.created])
        #expect(scene.specs.body("clean") == "cmd: true")
        #expect(try scene.target.head("raw") == scene.commit)
    }

    @Test("a damaged cached blob is not used: it is downloaded again")
    func damagedCache() throws {
        let scene = try HostileScene()
        try Self.withGoodSpec(scene)
        let remote = try scene.target.remote("origin")
        _ = try FetchOperation(project: scene.target.project, remote: remote, specs: scene.specs).run()
        let cached = "\(scene.target.project.layout.storeDirectory)/remotes/origin/pipelines/\(SHA256.hash(Self.spec("clean")).hex).json"
        try FileSystem.writeAtomically(cached, Self.spec("clean", "cmd: evil"), durable: false)
        _ = try scene.target.pull(remote, catalog: scene.specs)
        #expect(scene.specs.body("clean") == "cmd: true")
        #expect(try FileSystem.readFile(cached) == Self.spec("clean"))
    }
}
