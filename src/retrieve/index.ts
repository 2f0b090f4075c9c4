/** The retrieval stage: HNSW vector index, BM25 lexical index, fusion into per-entry evidence. */
export { VectorIndex, DEFAULT_HNSW, LARGE_HNSW, LARGE_INDEX, hnswParametersFor, HnswParametersSchema, type HnswParameters, type VectorHit } from './vector-index.js'
export { LexicalIndex, type LexicalIndexData, type LexicalHit } from './lexical-index.js'
export { Retriever, addToCentroid, centroidTables, FUSION_WEIGHTS, type EntryEvidence, type RetrieveOptions, type RetrievalTables } from './retriever.js'
export { EntryClassifier, DEFAULT_CLASSIFIER, ClassifierOptionsSchema, type ClassifierData, type ClassifierOptions } from './classifier.js'
export { FieldIndex, FIELD_BM25, termCounts, type EntryFieldTerms, type FieldIndexData, type FieldHit, type HeldOutText } from './field-index.js'
export { Ranker, type RankedQuestion, type RankerParts, type EntryScope } from './ranker.js'
