import DverCore
import DverRemote
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// Interrupted transfers resume; damaged remote data is reported by name and never stored.
@Suite("remote faults: resume, corruption, truncation")
struct FaultTests {
    /// Ten 300 KB random files: with 256 KiB batches, about a dozen packs.
    static let files: [String: [UInt8]] = Dictionary(uniqueKeysWithValues: (0..<10).map {
        ("data/raw/f\($0).bin", seeded(UInt64(100 + $0), 300_000))
    })

    @Test("an interrupted push, rerun, sends only what is missing")
    func pushResumes() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: Self.files)
        let real = try source.addRemote("origin", url: sandbox.path("remote"))
        let flaky = Remote(name: "origin", transport: FailingTransport(real.transport, uploads: 8),
                           cacheDirectory: "\(source.project.layout.storeDirectory)/remotes/origin", transfers: 1)
        expectError({ try source.push(flaky, batchBytes: 256 << 10) }) { error in
            if case RemoteError.transferFailed = error { return true }
            return false
        }
        // Four chunk packs made it and are registered; no ref moved.
        let interrupted = try real.readIndex().index
        #expect(interrupted.packs.count == 4)
        #expect(interrupted.repos.isEmpty)

        let rerun = try source.push(try source.remote("origin"), batchBytes: 256 << 10)
        let total = Self.files.values.reduce(0) { $0 + $1.count }
        #expect(rerun.bytesSent < UInt64(total) * 7 / 10)
        #expect(rerun.bytesSent > UInt64(total) / 3)
        let (clone, _) = try sandbox.clone()
        #expect(try TestProject(clone).files(under: "data") == (try source.files(under: "data")))
    }

    @Test("an interrupted pull keeps the verified objects, moves no ref, and the rerun completes")
    func pullResumes() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: Self.files)
        _ = try source.push(try source.addRemote("origin", url: sandbox.path("remote")), batchBytes: 256 << 10)
        let target = try sandbox.project("target")
        let real = try target.addRemote("origin", url: sandbox.path("remote"))
        let flaky = Remote(name: "origin", transport: FailingTransport(real.transport, downloads: 8),
                           cacheDirectory: "\(target.project.layout.storeDirectory)/remotes/origin", transfers: 1)
        expectError({ try target.pull(flaky) }) { error in
            if case RemoteError.transferFailed = error { return true }
            return false
        }
        #expect(try target.project.repos().isEmpty)
        #expect(try target.fsckClean())
        let rerun = try target.pull(try target.remote("origin"))
        let total = Self.files.values.reduce(0) { $0 + $1.count }
        #expect(rerun.fetch.bytesReceived < UInt64(total) * 8 / 10)
        #expect(try target.files(under: "data") == (try source.files(under: "data")))
        #expect(try target.fsckClean())
    }

    @Test("a corrupted object on the remote is named, not stored, and no ref moves")
    func corruptObject() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: ["data/raw/big.bin": seeded(7, 200_000), "data/raw/a.txt": Array("a\n".utf8)])
        _ = try source.push(try source.addRemote("origin", url: sandbox.path("remote")))
        // Flip one byte inside the stored bytes of some chunk of big.bin.
        let packs = try FileSystem.list(sandbox.path("remote/packs")).map(\.name).filter { $0.hasSuffix(".idx") }
        var damaged: ObjectID?
        for name in packs {
            let index = try PackIndex(directory: sandbox.path("remote/packs"), name: String(name.dropLast(4)))
            for position in 0..<index.count {
                guard let entry = index.entry(at: position), entry.kind == .chunk, entry.storedLength > 1000 else { continue }
                let path = index.packPath
                var bytes = try FileSystem.readFile(path)
                bytes[Int(entry.offset) + 500] ^= 0xff
                try FileSystem.writeAtomically(path, bytes)
                damaged = entry.id
                break
            }
            if damaged != nil { break }
        }
        let id = try #require(damaged)
        let target = try sandbox.project("target")
        let remote = try target.addRemote("origin", url: sandbox.path("remote"))
        expectError({ try target.pull(remote) }) { error in
            guard case RemoteError.corruptRemoteObject(let named, _, _) = error else { return false }
            return named == id && "\(error)".contains(id.hex)
        }
        #expect(!target.project.store.contains(id))
        #expect(try target.project.repos().isEmpty)
        #expect(try target.project.refs.readRemoteTracking(repo: "raw", remote: "origin", branch: "main") == nil)
        #expect(try target.fsckClean())
    }

    @Test("a truncated remote pack or index is reported")
    func truncatedPack() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: ["data/raw/big.bin": seeded(8, 500_000)])
        _ = try source.push(try source.addRemote("origin", url: sandbox.path("remote")))
        let names = try FileSystem.list(sandbox.path("remote/packs")).map(\.name)
        let biggest = try #require(try names.filter { $0.hasSuffix(".pack") }
            .max { try FileSystem.linkStatus(sandbox.path("remote/packs/\($0)")).size < FileSystem.linkStatus(sandbox.path("remote/packs/\($1)")).size })
        let path = sandbox.path("remote/packs/\(biggest)")
        let bytes = try FileSystem.readFile(path)
        try FileSystem.writeAtomically(path, Array(bytes.prefix(bytes.count / 2)))
        let target = try sandbox.project("target")
        expectError({ try target.pull(try target.addRemote("origin", url: sandbox.path("remote"))) }) { error in
            switch error {
            case RemoteError.corruptRemote(_, let reason): return reason.contains("truncated")
            case RemoteError.transferFailed: return true
            default: return false
            }
        }
        #expect(try target.project.repos().isEmpty)

        // A damaged pack index is caught by its checksum.
        let index = sandbox.path("remote/packs/\(biggest.dropLast(5)).idx")
        var indexBytes = try FileSystem.readFile(index)
        indexBytes[100] ^= 1
        try FileSystem.writeAtomically(index, indexBytes)
        let other = try sandbox.project("other")
        expectError({ try other.pull(try other.addRemote("origin", url: sandbox.path("remote"))) }) { error in
            if case RemoteError.corruptRemote(_, let reason) = error { return reason.contains("checksum") }
            return false
        }
    }

    /// Ways a cached pack index can be damaged on the local disk.
    enum CacheDamage: String, CaseIterable, Sendable {
        case truncated, emptied, checksumFlipped = "checksum byte flipped", entryFlipped = "entry byte flipped"

        func apply(_ path: String) throws {
            var bytes = try FileSystem.readFile(path)
            switch self {
            case .truncated: bytes.removeLast(bytes.count / 2)
            case .emptied: bytes = []
            case .checksumFlipped: bytes[bytes.count - 1] ^= 0x01
            case .entryFlipped: bytes[PackFormat.indexHeaderSize + PackFormat.fanoutSize + 40] ^= 0x80
            }
            try FileSystem.writeAtomically(path, bytes, durable: false)
        }
    }

    @Test("a damaged cached pack index is deleted and downloaded again, and the fetch succeeds", arguments: CacheDamage.allCases)
    func damagedCacheIsDownloadedAgain(_ damage: CacheDamage) throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: ["data/raw/a.bin": seeded(41, 100_000)])
        let remote = try source.addRemote("origin", url: sandbox.path("remote"))
        _ = try source.push(remote)
        let target = try sandbox.project("target")
        _ = try FetchOperation(project: target.project, remote: try target.addRemote("origin", url: sandbox.path("remote"))).run()
        let cache = "\(target.project.layout.storeDirectory)/remotes/origin/packs"
        let cached = try #require(try FileSystem.list(cache).map(\.name).first { $0.hasSuffix(".idx") })
        try damage.apply("\(cache)/\(cached)")

        try source.commit(["data/raw/b.bin": seeded(42, 100_000)])
        _ = try source.push(remote)
        let pulled = try target.pull(try target.remote("origin"))
        #expect(pulled.updates.first?.kind == .created)
        #expect(try FileSystem.readFile("\(cache)/\(cached)") == (try FileSystem.readFile(sandbox.path("remote/packs/\(cached)"))))
        #expect(try target.files(under: "data") == (try source.files(under: "data")))
        #expect(try target.fsckClean())
    }
}
