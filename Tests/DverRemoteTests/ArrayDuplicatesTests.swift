@testable import DverRemote
import Testing

/// The walker deduplicates the chunk ids a clone names by sorting them and dropping repeats.
@Suite("sorted arrays without duplicates")
struct ArrayDuplicatesTests {
    @Test("every repeat after its first occurrence goes, order kept", arguments: [
        ([Int](), [Int]()), ([1], [1]), ([1, 1, 1], [1]), ([1, 2, 2, 3, 3, 3, 4], [1, 2, 3, 4]), ([1, 2, 3], [1, 2, 3]),
    ])
    func removeDuplicates(_ input: [Int], _ expected: [Int]) {
        var values = input
        values.removeDuplicates(by: ==)
        #expect(values == expected)
    }
}
