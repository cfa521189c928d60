import DverCore
import DverRemote
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// The setting of a hostile-remote test: a hand-made remote (well-formed until the test breaks
/// one thing), a project with it as `origin` and a `.git/` whose hooks git would run, and a
/// sentinel directory beside the project. `expectRefused` runs clone, fetch and pull — each
/// with a spec catalog, so pipeline specs are read too — against the remote and checks that
/// each is refused by name and that nothing outside the project changed.
final class HostileScene {
    let sandbox: Sandbox
    let remote: HandMadeRemote
    /// The well-formed index, as first written.
    let index: RemoteIndex
    /// The head of `raw@main`.
    let commit: ObjectID
    let target: TestProject
    /// The project's spec catalog, and the one a clone gets.
    let specs = MemorySpecCatalog()
    let cloneSpecs = MemorySpecCatalog()

    init() throws {
        sandbox = try Sandbox()
        (remote, index, commit) = try HandMadeRemote.wellFormed(root: sandbox.path("remote"), scratch: sandbox.path("scratch"))
        target = try sandbox.project("target")
        try target.addRemote("origin", url: sandbox.path("remote"))
        try FileSystem.createDirectories(sandbox.path("target/.git/hooks"))
        try FileSystem.writeAtomically(sandbox.path("target/.git/hooks/pre-commit"), Array("#!/bin/sh\nexit 0\n".utf8), durable: false)
        try FileSystem.createDirectories(sandbox.path("sentinel"))
        try FileSystem.writeAtomically(sandbox.path("sentinel/keep.txt"), Array("keep\n".utf8), durable: false)
    }

    /// The remote's only pack.
    var pack: RemotePackRecord { index.packs[0] }

    /// Replaces the remote's packs by `packs` of hand-made objects and its index by one listing
    /// them, with `raw@main` (mounted at `data/raw`) at `head`.
    /// - Returns: the records of the packs, in the order given.
    @discardableResult
    func publish(_ packs: [[HandMadeObject]], head: ObjectID) throws -> [RemotePackRecord] {
        try FileSystem.removeTree("\(remote.root)/packs")
        try FileSystem.createDirectories("\(remote.root)/packs")
        let records = try packs.map { try remote.addPack($0) }
        try list(records, head: head)
        return records
    }

    /// Rewrites `index.json` to list `packs`, with `raw@main` (mounted at `data/raw`) at `head`.
    func list(_ packs: [RemotePackRecord], head: ObjectID) throws {
        var index = RemoteIndex()
        index.generation = 1
        index.register(packs)
        index.repos["raw"] = RemoteRepoRecord(mount: "data/raw", defaultBranch: "main", branches: ["main": head.hex])
        try remote.write(index)
    }

    /// Rewrites `index.json` as the well-formed index after `change`.
    func rewriteIndex(_ change: (inout RemoteIndex) -> Void) throws {
        var copy = index
        change(&copy)
        try remote.write(copy)
    }

    /// Rewrites `index.json` with the number of the first `"field" : N` replaced by `value`
    /// (any JSON text: -1, 18446744073709551615, 1.5, "7").
    func rewriteIndexField(_ field: String, to value: String) throws {
        let text = try remote.indexText()
        let pattern = try Regex("\"\(field)\" : -?[0-9]+")
        let changed = text.replacing(pattern, with: "\"\(field)\" : \(value)", maxReplacements: 1)
        try #require(changed != text, "no integer field \(field) in index.json")
        try remote.writeIndex(text: changed)
    }

    /// Writes `bytes` as a spec blob named `hex` (default: their SHA-256, as a well-formed blob
    /// is named) and lists it in `index.json` as pipeline `name`.
    func publishSpec(_ name: String, _ bytes: [UInt8], as hex: String? = nil) throws {
        let key = hex ?? SHA256.hash(bytes).hex
        try FileSystem.createDirectories("\(remote.root)/pipelines")
        try FileSystem.writeAtomically("\(remote.root)/\(RemoteIndex.specKey(key))", bytes, durable: false)
        try rewriteIndex { $0.pipelines[name] = key }
    }

    /// Everything in the sandbox but the project's store and the scratch directory: the
    /// remote, the sentinel, where a clone would go, and the project's other files and `.git/`.
    func outside() throws -> DirectorySnapshot {
        try DirectorySnapshot(sandbox.root, skipping: ["scratch", "target/.dver"])
    }

    /// Clone, fetch and pull must each fail with a `RemoteError` whose message contains
    /// `expected`; afterwards nothing outside the project's store has changed, no clone is
    /// left, and the project has no repo, no remote-tracking ref, and a store fsck accepts.
    func expectRefused(_ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try outside()
        let operations: [(String, () throws -> Void)] = [
            ("clone", { _ = try self.sandbox.clone(specs: self.cloneSpecs) }),
            ("fetch", { _ = try FetchOperation(project: self.target.project, remote: try self.target.remote("origin"), specs: self.specs).run() }),
            ("pull", { _ = try self.target.pull(try self.target.remote("origin"), catalog: self.specs) }),
        ]
        for (name, operation) in operations {
            do {
                try operation()
                Issue.record("\(name) accepted the remote", sourceLocation: sourceLocation)
            } catch let error as RemoteError {
                #expect("\(error)".contains(expected), "\(name): \(error)", sourceLocation: sourceLocation)
            } catch {
                Issue.record("\(name) failed without a RemoteError: \(error)", sourceLocation: sourceLocation)
            }
        }
        #expect(!FileSystem.exists(sandbox.path("clone")), sourceLocation: sourceLocation)
        let changes = try outside().changes(since: before)
        #expect(changes.isEmpty, "changed outside the store:\n\(changes.joined(separator: "\n"))", sourceLocation: sourceLocation)
        try expectProjectUntouched(sourceLocation: sourceLocation)
    }

    /// No repo, no remote-tracking ref, no spec taken, cached or tracked, a store fsck finds
    /// healthy and without leftovers.
    func expectProjectUntouched(sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try target.project.repos().isEmpty, sourceLocation: sourceLocation)
        #expect(try target.project.refs.remoteTrackingRefs(repo: "raw").isEmpty, sourceLocation: sourceLocation)
        #expect(specs.names.isEmpty && cloneSpecs.names.isEmpty, sourceLocation: sourceLocation)
        let remoteCache = "\(target.project.layout.storeDirectory)/remotes/origin"
        #expect(!FileSystem.exists("\(remoteCache)/pipelines.json"), sourceLocation: sourceLocation)
        #expect(!FileSystem.exists("\(remoteCache)/pipelines"), sourceLocation: sourceLocation)
        let report = try target.project.fsck()
        #expect(report.isHealthy, "fsck: \(report.errors)", sourceLocation: sourceLocation)
        #expect(report.warnings.isEmpty, "fsck: \(report.warnings)", sourceLocation: sourceLocation)
    }
}
