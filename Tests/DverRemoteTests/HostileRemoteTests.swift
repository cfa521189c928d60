import DverCore
import DverRemote
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One way a remote can lie: what the test breaks, and what the error must mention.
struct RemoteAttack: Sendable, CustomTestStringConvertible {
    let testDescription: String
    /// Breaks the scene's remote; returns what the error must mention.
    let apply: @Sendable (HostileScene) throws -> String

    init(_ name: String, expecting expected: String, _ apply: @escaping @Sendable (HostileScene) throws -> Void) {
        testDescription = name
        self.apply = { scene in
            try apply(scene)
            return expected
        }
    }

    /// An attack whose error names a pack: the one `apply` returns.
    init(_ name: String, namingPack apply: @escaping @Sendable (HostileScene) throws -> String) {
        testDescription = name
        self.apply = apply
    }
}

/// A remote is someone else's: everything read from it is hostile until validated. Each attack
/// breaks one thing in an otherwise well-formed directory remote; clone, fetch and pull must
/// refuse it with a named error (not a crash), change nothing outside the project, and leave
/// the local store healthy. Objects crafted one by one are in `HostileObjectTests`.
@Suite("hostile remotes: index.json, pack indexes and packs")
struct HostileRemoteTests {
    static let largest = [String(Int64.max - 1), String(Int64.max), String(UInt64.max - 1), String(UInt64.max)]

    /// Names and paths in index.json: each would put a file outside the project, into `.git/`
    /// or `.dver/`, or a ref outside `refs/`.
    static let nameAttacks: [RemoteAttack] = [
        RemoteAttack("repo name ../x", expecting: "repo name") { scene in try scene.renameRepo(to: "../x") },
        RemoteAttack("repo name a/b", expecting: "repo name") { scene in try scene.renameRepo(to: "a/b") },
        RemoteAttack("repo name with NUL", expecting: "repo name 'a\\x00b'") { scene in try scene.renameRepo(to: "a\u{0}b") },
        RemoteAttack("empty repo name", expecting: "repo name ''") { scene in try scene.renameRepo(to: "") },
        RemoteAttack("mount .git/hooks", expecting: "mount '.git/hooks'") { scene in try scene.setMount(".git/hooks") },
        RemoteAttack("mount ../outside", expecting: "mount '../outside'") { scene in try scene.setMount("../outside") },
        RemoteAttack("mount absolute", expecting: "absolute") { scene in try scene.setMount(scene.sandbox.path("abs")) },
        RemoteAttack("mount a/../../b", expecting: "mount 'a/../../b'") { scene in try scene.setMount("a/../../b") },
        RemoteAttack("mount .dver/x", expecting: "mount '.dver/x'") { scene in try scene.setMount(".dver/x") },
        RemoteAttack("mount .GIT (case)", expecting: "mount '.GIT'") { scene in try scene.setMount(".GIT") },
        RemoteAttack("mounts nested", expecting: "inside the mount") { scene in
            try scene.rewriteIndex { $0.repos["inner"] = RemoteRepoRecord(mount: "data/raw/inner", defaultBranch: "main") }
        },
        RemoteAttack("mounts equal", expecting: "same mount") { scene in
            try scene.rewriteIndex { $0.repos["twin"] = RemoteRepoRecord(mount: "data/raw", defaultBranch: "main") }
        },
        RemoteAttack("pack name ../", expecting: "packs[0].name") { scene in
            try scene.rewriteIndex { $0.packs[0].name = "../../../../../sentinel/evil" }
        },
        RemoteAttack("pack name uppercase", expecting: "packs[0].name") { scene in
            try scene.rewriteIndex { $0.packs[0].name = $0.packs[0].name.uppercased() }
        },
        RemoteAttack("pack listed twice", expecting: "listed twice") { scene in
            try scene.rewriteIndex { $0.packs.append($0.packs[0]) }
        },
        RemoteAttack("branch name with ..", expecting: "branches: name 'ma..in'") { scene in
            try scene.rewriteIndex { $0.repos["raw"]?.branches["ma..in"] = scene.commit.hex }
        },
        RemoteAttack("branch name ../../heads/x", expecting: "branches: name") { scene in
            try scene.rewriteIndex { $0.repos["raw"]?.branches["../../heads/x"] = scene.commit.hex }
        },
        RemoteAttack("default branch ..", expecting: "default_branch '..'") { scene in
            try scene.rewriteIndex { $0.repos["raw"]?.defaultBranch = ".." }
        },
        RemoteAttack("branch head a path", expecting: "not a commit id") { scene in
            try scene.rewriteIndex { $0.repos["raw"]?.branches["main"] = "../../../../etc/passwd" }
        },
        RemoteAttack("branch head uppercase hex", expecting: "not a commit id") { scene in
            try scene.rewriteIndex { $0.repos["raw"]?.branches["main"] = scene.commit.hex.uppercased() }
        },
    ]

    /// Every integer field of index.json at 0, -1 and near the largest integers; and sizes
    /// that are in range but disagree with the pack index.
    static let integerAttacks: [RemoteAttack] = {
        var attacks = ["-1", "1.5", "\"7\""].map { value in
            RemoteAttack("generation \(value)", expecting: "generation") { try $0.rewriteIndexField("generation", to: value) }
        }
        attacks += largest.dropFirst().map { value in
            RemoteAttack("generation \(value)", expecting: "generation") { try $0.rewriteIndexField("generation", to: value) }
        }
        for field in ["pack_size", "index_size", "objects"] {
            attacks += (["0", "-1"] + largest).map { value in
                RemoteAttack("\(field) \(value)", expecting: field) { try $0.rewriteIndexField(field, to: value) }
            }
        }
        attacks.append(RemoteAttack("pack_size one byte more than the pack", expecting: "pack_size") { scene in
            try scene.rewriteIndex { $0.packs[0].packSize += 1 }
        })
        attacks.append(RemoteAttack("objects one more, index_size to match", expecting: ".idx") { scene in
            try scene.rewriteIndex {
                $0.packs[0].objects += 1
                $0.packs[0].indexSize += UInt64(PackFormat.indexEntrySize)
            }
        })
        return attacks
    }()

    /// Pack index and pack files that are not what index.json says.
    static let fileAttacks: [RemoteAttack] = [
        RemoteAttack("pack index truncated", expecting: ".idx") { scene in try scene.truncate(scene.remote.indexPath(scene.pack.name)) },
        RemoteAttack("pack index zero-filled", expecting: ".idx") { scene in try scene.zeroFill(scene.remote.indexPath(scene.pack.name)) },
        RemoteAttack("pack index an endless stream of zeros", expecting: ".idx") { scene in
            try scene.replaceWithEndlessZeros(scene.remote.indexPath(scene.pack.name))
        },
        RemoteAttack("pack index an 8 GiB sparse file", expecting: ".idx") { scene in
            #expect(Glibc.truncate(scene.remote.indexPath(scene.pack.name), 8 << 30) == 0)
        },
        RemoteAttack("pack index missing", expecting: ".idx") { scene in try FileSystem.remove(scene.remote.indexPath(scene.pack.name)) },
        RemoteAttack("pack truncated", namingPack: { scene in try scene.damagePack(scene.truncate) }),
        RemoteAttack("pack zero-filled", namingPack: { scene in try scene.damagePack(scene.zeroFill) }),
        RemoteAttack("pack an endless stream of zeros", namingPack: { scene in try scene.damagePack(scene.replaceWithEndlessZeros) }),
        RemoteAttack("pack missing", namingPack: { scene in try scene.damagePack(FileSystem.remove) }),
        RemoteAttack("pack downloaded whole, truncated", namingPack: { scene in try scene.damageWholePack(scene.truncate) }),
        RemoteAttack("pack downloaded whole, zero-filled", namingPack: { scene in try scene.damageWholePack(scene.zeroFill) }),
        RemoteAttack("pack downloaded whole, an endless stream of zeros", namingPack: { scene in
            try scene.damageWholePack(scene.replaceWithEndlessZeros)
        }),
        RemoteAttack("index.json an endless stream of zeros", expecting: "index.json") { scene in
            try scene.replaceWithEndlessZeros("\(scene.remote.root)/\(RemoteIndex.key)")
        },
    ]

    @Test("names and paths in index.json are validated", arguments: nameAttacks)
    func names(_ attack: RemoteAttack) throws {
        let scene = try HostileScene()
        try scene.expectRefused(try attack.apply(scene))
    }

    @Test("integers in index.json are range-checked and must agree with the pack index", arguments: integerAttacks)
    func integers(_ attack: RemoteAttack) throws {
        let scene = try HostileScene()
        try scene.expectRefused(try attack.apply(scene))
    }

    @Test("pack indexes and packs are read no further than index.json says and checked", arguments: fileAttacks)
    func files(_ attack: RemoteAttack) throws {
        let scene = try HostileScene()
        try scene.expectRefused(try attack.apply(scene))
    }

    @Test("the untouched hand-made remote clones, fetches and pulls (the attacks' control)")
    func control() throws {
        let scene = try HostileScene()
        let (clone, _) = try scene.sandbox.clone()
        #expect(try TestProject(clone).read("data/raw/a.csv") == Array("1,2\n".utf8))
        _ = try scene.target.pull(try scene.target.remote("origin"))
        #expect(try scene.target.head("raw") == scene.commit)
        #expect(try scene.target.fsckClean())
    }

    @Test("generation 0 and the largest valid generation are read", arguments: ["0", String(Int64.max - 1)])
    func generationAccepted(_ value: String) throws {
        let scene = try HostileScene()
        try scene.rewriteIndexField("generation", to: value)
        let (clone, _) = try scene.sandbox.clone()
        #expect(try TestProject(clone).read("data/raw/b.txt") == Array("hello\n".utf8))
    }

    @Test("a push refuses to increment the largest valid generation and writes nothing")
    func generationNotIncrementedPastLimit() throws {
        let scene = try HostileScene()
        try scene.rewriteIndexField("generation", to: String(Int64.max - 1))
        let cloned = TestProject(try scene.sandbox.clone().project)
        try cloned.commit(["data/raw/c.txt": Array("new\n".utf8)])
        let before = try scene.remote.indexText()
        expectError({ try cloned.push(try cloned.remote("origin")) }) { error in
            guard case RemoteError.corruptRemote(_, let reason) = error else { return false }
            return reason.contains("generation \(Int64.max - 1) cannot be incremented")
        }
        #expect(try scene.remote.indexText() == before)
    }
}

extension HostileScene {
    func renameRepo(to name: String) throws {
        try rewriteIndex { index in index.repos[name] = index.repos.removeValue(forKey: "raw") }
    }

    func setMount(_ mount: String) throws {
        try rewriteIndex { $0.repos["raw"]?.mount = mount }
    }

    /// Damages the remote's only pack (whose records are read with ranged reads).
    /// - Returns: its name.
    func damagePack(_ damage: (String) throws -> Void) throws -> String {
        try damage(remote.packPath(pack.name))
        return pack.name
    }

    /// Puts each object in a pack of its own, so that each pack is wanted whole, downloaded
    /// and (if it verifies) taken over as a local pack; damages the commit's.
    /// - Returns: the name of the damaged pack.
    func damageWholePack(_ damage: (String) throws -> Void) throws -> String {
        let packs = try publish(HandMadeRemote.wellFormedObjects.map { [$0] }, head: commit)
        try damage(remote.packPath(packs[0].name))
        return packs[0].name
    }

    func truncate(_ path: String) throws {
        let bytes = try FileSystem.readFile(path)
        try FileSystem.writeAtomically(path, Array(bytes.prefix(bytes.count / 2)), durable: false)
    }

    func zeroFill(_ path: String) throws {
        let size = try FileSystem.readFile(path).count
        try FileSystem.writeAtomically(path, [UInt8](repeating: 0, count: size), durable: false)
    }

    func replaceWithEndlessZeros(_ path: String) throws {
        try FileSystem.remove(path)
        try FileSystem.createSymlink(path, target: "/dev/zero")
    }
}
