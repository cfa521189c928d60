import DverCore
import DverSystem

/// Spec blobs on the remote (`pipelines/<hash>.json`, written once, never changed) and their
/// local cache (`.dver/remotes/NAME/pipelines/<hash>.json`, verified against its name on use).
extension Remote {
    /// The specs `listed` names (name → hash, from a validated `index.json`), each read from
    /// the cache or downloaded (at most `RemoteIndex.maximumSpecSize` bytes), verified to hash
    /// to its name and passed to `catalog.check`; the new ones are cached only after every
    /// spec passed, so a refused spec leaves nothing behind.
    /// - Throws: `RemoteError.corruptRemote` naming the pipeline and the blob; transport errors.
    func receiveSpecs(_ listed: [String: String], catalog: any SpecCatalog) throws -> [SpecBlob] {
        let directory = "\(cacheDirectory)/pipelines"
        var received = [SpecBlob]()
        var downloaded = [SpecBlob]()
        for (name, hex) in listed.sorted(by: { $0.key < $1.key }) {
            let key = RemoteIndex.specKey(hex)
            let spec: SpecBlob
            if let cached = Self.cachedSpec(name: name, path: "\(directory)/\(hex).json", hex: hex) {
                spec = cached
            } else {
                spec = try downloadSpec(name: name, hex: hex)
                downloaded.append(spec)
            }
            do {
                try catalog.check(spec)
            } catch {
                throw RemoteError.corruptRemote(url: transport.displayURL,
                                                reason: "\(key) (pipeline '\(name)'): \("\(error)".printableForMessage)")
            }
            received.append(spec)
        }
        if !downloaded.isEmpty { try FileSystem.createDirectories(directory, durable: true) }
        for spec in downloaded { try FileSystem.writeAtomically("\(directory)/\(spec.id.hex).json", spec.bytes, durable: true) }
        return received
    }

    /// A cached spec blob whose content still hashes to its name, or nil (then it is downloaded
    /// again and the copy replaced).
    private static func cachedSpec(name: String, path: String, hex: String) -> SpecBlob? {
        guard FileSystem.exists(path), let bytes = try? FileSystem.readFile(path), SHA256.hash(bytes).hex == hex else { return nil }
        return SpecBlob(name: name, bytes: bytes)
    }

    /// Downloads a spec blob and checks that it hashes to its name.
    func downloadSpec(name: String, hex: String) throws -> SpecBlob {
        let key = RemoteIndex.specKey(hex)
        guard let blob = try transport.get(key, limit: RemoteIndex.maximumSpecSize) else {
            throw RemoteError.corruptRemote(url: transport.displayURL,
                                            reason: "\(key) (pipeline '\(name)') is listed in \(RemoteIndex.key) but missing")
        }
        let spec = SpecBlob(name: name, bytes: blob.bytes)
        guard spec.id.hex == hex else {
            throw RemoteError.corruptRemote(url: transport.displayURL, reason: "\(key) (pipeline '\(name)') does not hash to its name "
                                            + "(its content hashes to \(spec.id.hex))")
        }
        return spec
    }

    /// Uploads the blobs of `specs` that `listed` (the remote's pipelines) does not name yet:
    /// a listed blob is there, by the invariant that a name is listed only after its blob was
    /// written; an unlisted one may be a leftover of an interrupted push, and is written again.
    func uploadSpecs(_ specs: [SpecBlob], listed: [String: String]) throws {
        let present = Set(listed.values)
        var sent = Set<String>()
        for spec in specs where !present.contains(spec.id.hex) && sent.insert(spec.id.hex).inserted {
            try transport.put(RemoteIndex.specKey(spec.id.hex), bytes: spec.bytes)
        }
    }
}
