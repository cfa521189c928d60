extension Array {
    /// Removes each element equal to the one before it (on a sorted array: every duplicate),
    /// in place.
    mutating func removeDuplicates(by equal: (Element, Element) -> Bool) {
        guard count > 1 else { return }
        var kept = 1
        for position in 1..<count where !equal(self[position], self[kept - 1]) {
            swapAt(kept, position)
            kept += 1
        }
        removeLast(count - kept)
    }
}
