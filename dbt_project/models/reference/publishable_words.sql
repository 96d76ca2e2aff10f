{{ layered_reference('publishable_words', 'shipped_publishable_words', ['word'], ['word']) }}
