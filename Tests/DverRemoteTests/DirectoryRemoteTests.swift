import DverCore
import DverRemote
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// Push, fetch, pull and clone through a directory remote (needs nothing but the file system).
@Suite("directory remote: push, fetch, pull, clone")
struct DirectoryRemoteTests {
    static let files: [String: [UInt8]] = [
        "data/raw/a.csv": Array("1,2\n".utf8),
        "data/raw/big.bin": seeded(1, 700_000),
        "data/raw/images/cats/c1.txt": Array("meow\n".utf8),
        "data/raw/images/cats/c2.bin": seeded(2, 40_000),
        "data/raw/images/dogs/d1.bin": seeded(3, 300_000),
        "data/labels/l.txt": Array("cat\n".utf8),
    ]

    /// A source project with `files`, pushed to the directory remote "remote", and a clone of it.
    static func pushedAndCloned() throws -> (sandbox: Sandbox, source: TestProject, remote: Remote, cloned: TestProject) {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: files)
        let remote = try source.addRemote("origin", url: sandbox.path("remote"))
        _ = try source.push(remote)
        return (sandbox, source, remote, TestProject(try sandbox.clone().project))
    }

    @Test("push then clone gives the same files, branches and a healthy store")
    func pushAndClone() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: Self.files)
        let remote = try source.addRemote("origin", url: sandbox.path("remote"))
        let pushed = try source.push(remote)
        #expect(pushed.updates.map(\.kind) == [.created, .created])
        #expect(pushed.objectsSent > 6)

        let (clone, result) = try sandbox.clone()
        #expect(result.updates.count == 2)
        let cloned = TestProject(clone)
        #expect(try cloned.files(under: "data") == (try source.files(under: "data")))
        #expect(try cloned.head("raw") == (try source.head("raw")))
        #expect(try cloned.head("labels") == (try source.head("labels")))
        #expect(try cloned.project.status().allSatisfy(\.isClean))
        #expect(try cloned.fsckClean())
        #expect(try RemoteRegistry.load(clone.layout).defaultRemote == "origin")
        // The commit set of the first commit (both repos) was rebuilt: checking it out works.
        let rawHead = try #require(try cloned.head("raw"))
        let setID = try #require(try clone.store.decodeCommit(rawHead).commitSet)
        let rebuilt = try clone.commitSets(prefix: setID.hex)
        #expect(rebuilt.count == 1)
        #expect(Set(rebuilt.first?.commits.keys.sorted() ?? []) == ["labels", "raw"])
        let record = try #require(rebuilt.first)
        #expect(try clone.checkout(commitSet: record, force: false).count == 2)
        // The clone wanted every chunk of the chunk pack: it was taken over as it is.
        let remotePacks = try FileSystem.list(sandbox.path("remote/packs")).map(\.name).filter { $0.hasSuffix(".pack") }
        let largest = try #require(try remotePacks.max {
            try FileSystem.linkStatus(sandbox.path("remote/packs/\($0)")).size < FileSystem.linkStatus(sandbox.path("remote/packs/\($1)")).size
        })
        #expect(try cloned.packNames().contains(largest))
    }

    @Test("a push with nothing new makes one request and says so")
    func noOpPushIsOneRequest() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: Self.files)
        let remote = try source.addRemote("origin", url: sandbox.path("remote"))
        _ = try source.push(remote)
        let again = try source.push(try source.remote("origin"))
        #expect(again.isUpToDate)
        #expect(again.requests == 1)
        #expect(again.objectsSent == 0)
    }

    @Test("a second push sends only the objects the remote lacks")
    func incrementalPush() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: Self.files)
        let remote = try source.addRemote("origin", url: sandbox.path("remote"))
        let first = try source.push(remote)
        try source.commit(["data/raw/a.csv": Array("1,2\n3,4\n".utf8)])
        let second = try source.push(remote)
        // The new chunk, the new commit and the trees on the path to a.csv (root only here).
        #expect(second.objectsSent == 3)
        #expect(second.bytesSent < first.bytesSent / 10)
        #expect(second.updates.first { $0.repo == "raw" }?.kind == .fastForward)
        #expect(second.updates.first { $0.repo == "labels" }?.kind == .upToDate)
    }

    @Test("fetch moves remote-tracking refs only; pull fast-forwards and checks out")
    func fetchAndPull() throws {
        let (sandbox, source, remote, cloned) = try Self.pushedAndCloned()
        defer { withExtendedLifetime(sandbox) {} }   // its deinit deletes the directories
        let clone = cloned.project
        let before = try cloned.head("raw")
        let change = try source.commit(["data/raw/images/cats/c3.txt": Array("purr\n".utf8), "data/raw/a.csv": seeded(9, 100)])
        _ = try source.push(remote)
        let newHead = try #require(try source.head("raw"))
        #expect(change.commits.count == 1)

        let fetched = try FetchOperation(project: clone, remote: try cloned.remote("origin")).run()
        #expect(fetched.updates.map(\.new) == [newHead])
        #expect(try clone.refs.readRemoteTracking(repo: "raw", remote: "origin", branch: "main") == newHead)
        #expect(try cloned.head("raw") == before)
        #expect(try cloned.read("data/raw/a.csv") == Array("1,2\n".utf8))

        let pulled = try cloned.pull(try cloned.remote("origin"))
        #expect(pulled.updates.first { $0.repo == "raw" }?.kind == .fastForward)
        #expect(try cloned.head("raw") == newHead)
        #expect(try cloned.files(under: "data") == (try source.files(under: "data")))
        #expect(try cloned.project.status().allSatisfy(\.isClean))
    }

    @Test("gc keeps what a fetch brought for a repo the project has not created (its commit sets are roots); the next fetch downloads nothing")
    func gcKeepsFetchedRepos() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: Self.files)
        _ = try source.push(try source.addRemote("origin", url: sandbox.path("remote")))
        let other = try sandbox.project("other", files: ["data/notes/n.txt": Array("mine\n".utf8)])
        let remote = try other.addRemote("origin", url: sandbox.path("remote"))
        let first = try FetchOperation(project: other.project, remote: remote).run()
        #expect(first.objectsReceived > 0)
        #expect((try? other.project.repo(named: "raw")) == nil, "fetch records tracking refs only")
        let tracked = try #require(try other.project.refs.readRemoteTracking(repo: "raw", remote: "origin", branch: "main"))

        _ = try other.project.collectGarbage()
        #expect(other.project.store.contains(tracked))
        #expect(try other.fsckClean())
        let again = try FetchOperation(project: other.project, remote: try other.remote("origin")).run()
        #expect(again.objectsReceived == 0)
        let pulled = try other.pull(try other.remote("origin"), "raw")
        #expect(pulled.fetch.objectsReceived == 0)
        #expect(try other.files(under: "data/raw") == (try source.files(under: "data/raw")))
    }

    @Test("cloning a directory nothing was pushed to (here: a project) is a clear error and leaves no clone")
    func cloneOfAProjectIsRefused() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.project("source", files: Self.files)
        expectError({ _ = try sandbox.clone("source") }) { error in
            if case RemoteError.emptyRemote(let url) = error { return url.hasSuffix("/source") }
            return false
        }
        #expect(!FileSystem.exists(sandbox.path("clone")))
    }

    @Test("pull refuses to overwrite uncommitted work and changes nothing")
    func pullRefusesToLoseWork() throws {
        let (sandbox, source, remote, cloned) = try Self.pushedAndCloned()
        defer { withExtendedLifetime(sandbox) {} }   // its deinit deletes the directories
        try source.commit(["data/raw/a.csv": Array("new\n".utf8)])
        _ = try source.push(remote)
        try cloned.write("data/raw/a.csv", Array("my edit\n".utf8))
        let head = try cloned.head("raw")
        expectError({ try cloned.pull(try cloned.remote("origin")) }) { error in
            if case RepositoryError.uncommittedChanges(_, let paths) = error { return paths == ["data/raw/a.csv"] }
            return false
        }
        #expect(try cloned.read("data/raw/a.csv") == Array("my edit\n".utf8))
        #expect(try cloned.head("raw") == head)
        // --force discards the edit.
        _ = try cloned.pull(try cloned.remote("origin"), force: true)
        #expect(try cloned.read("data/raw/a.csv") == Array("new\n".utf8))
    }

    @Test("a non-fast-forward push is refused unless forced; a diverged pull is refused")
    func nonFastForward() throws {
        let (sandbox, source, remote, cloned) = try Self.pushedAndCloned()
        defer { withExtendedLifetime(sandbox) {} }   // its deinit deletes the directories
        try source.commit(["data/raw/a.csv": Array("from source\n".utf8)])
        _ = try source.push(remote)
        try cloned.commit(["data/raw/a.csv": Array("from clone\n".utf8)])
        let cloneRemote = try cloned.remote("origin")
        expectError({ try cloned.push(cloneRemote, ["raw@main"]) }) { error in
            if case RemoteError.nonFastForward(let repo, let branch, _) = error { return repo == "raw" && branch == "main" }
            return false
        }
        #expect(try cloneRemote.readIndex().index.head(repo: "raw", branch: "main") == (try source.head("raw"))?.hex)
        expectError({ try cloned.pull(cloneRemote, "raw") }) { error in
            if case RemoteError.diverged = error { return true }
            return false
        }
        let forced = try cloned.push(cloneRemote, ["raw@main"], force: true)
        #expect(forced.updates.first?.kind == .forced)
        #expect(try cloneRemote.readIndex().index.head(repo: "raw", branch: "main") == (try cloned.head("raw"))?.hex)
    }

    @Test("partial pull downloads only the objects under one path")
    func partialPull() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: Self.files)
        let remote = try source.addRemote("origin", url: sandbox.path("remote"))
        _ = try source.push(remote)
        let target = try sandbox.project("partial")
        let partialRemote = try target.addRemote("origin", url: sandbox.path("remote"))
        let result = try target.pull(partialRemote, "raw@main:images/cats")
        #expect(Set(result.partialFiles) == ["data/raw/images/cats/c1.txt", "data/raw/images/cats/c2.bin"])
        #expect(try target.files(under: "data") == (try source.files(under: "data")).filter { $0.key.hasPrefix("data/raw/images/cats/") })
        // Nothing outside the path came over: not the big files' chunks, not the dogs.
        let store = target.project.store
        #expect(!store.contains(SHA256.hash(seeded(3, 300_000))))
        #expect(!store.contains(SHA256.hash(Array("1,2\n".utf8))))
        #expect(store.contains(SHA256.hash(seeded(2, 40_000))))
        #expect(result.fetch.bytesReceived < 50_000)
        // Rerunning with identical files is fine; an edited file is protected.
        _ = try target.pull(partialRemote, "raw@main:images/cats")
        try target.write("data/raw/images/cats/c1.txt", Array("mine\n".utf8))
        expectError({ try target.pull(partialRemote, "raw@main:images/cats") }) { error in
            if case RepositoryError.uncommittedChanges = error { return true }
            return false
        }
    }

    @Test("a remote written by a newer format is refused with a clear error")
    func newerFormat() throws {
        let sandbox = try Sandbox()
        try FileSystem.createDirectories(sandbox.path("remote"))
        try FileSystem.writeAtomically(sandbox.path("remote/index.json"), Array(#"{"format": 2, "something": "new"}"#.utf8))
        let project = try sandbox.project("p", files: Self.files)
        let remote = try project.addRemote("origin", url: sandbox.path("remote"))
        for operation in [{ _ = try project.push(remote) }, { _ = try project.pull(remote) }] as [() throws -> Void] {
            expectError(operation) { error in
                guard case RemoteError.newerRemoteFormat(_, let version, let supported) = error else { return false }
                return version == 2 && supported == 1 && "\(error)".contains("upgrade dver")
            }
        }
        #expect(try FileSystem.readText(sandbox.path("remote/index.json")).contains("\"format\": 2"))
    }

    @Test("a missing remote directory is reported for fetch and clone; clone leaves nothing behind")
    func missingDirectory() throws {
        let sandbox = try Sandbox()
        let project = try sandbox.project("p")
        let remote = try project.addRemote("origin", url: sandbox.path("nowhere/remote"))
        expectError({ try FetchOperation(project: project.project, remote: remote).run() }) { error in
            if case RemoteError.remoteNotFound = error { return true }
            return false
        }
        expectError({
            try CloneOperation.run(settings: RemoteSettings(name: "origin", url: sandbox.path("nowhere")),
                                   directory: sandbox.path("clone"), progress: SilentProgress(), environment: [:])
        }) { error in
            if case RemoteError.remoteNotFound = error { return true }
            return false
        }
        #expect(!FileSystem.exists(sandbox.path("clone")))
    }
}
