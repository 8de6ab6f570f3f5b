from atelier.directory.text import fold, search_text, tokens


def test_plural_and_accents_reduce_to_the_same_token():
    assert tokens("Coopératives") == tokens("cooperative") == tokens("COOPÉRATIVE")


def test_elision_and_stopwords_are_dropped():
    assert tokens("l'Atelier d'insertion et de la ville") == tokens("atelier insertion ville")


def test_fold_removes_diacritics_and_ligatures():
    assert fold("Œuvre Économie Île") == "oeuvre economie ile"


def test_search_text_joins_all_parts():
    assert search_text("Coopaname", None, "Paris 20e") == "coopanam paris 20e"
