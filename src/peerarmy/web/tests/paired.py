"""Paired tests: the console and the API take one change through one typed input, so the same
bad input must be refused on both paths, naming the same fields with the same words.

    api_response = api.post("/api/v1/programs/", {**GOOD, **bad})
    page_response = staff_client.post("/bicigialla/manage/programs/new/", form_data)
    assert_same_errors(api_response, page_response)

The API's errors are read from its problem+json body; the console's from the form in the
page's context (the form's field names are translated to the input's with its
`input_names`). Nested API fields (`languages.0.level`) count for their top field."""

from collections import defaultdict

PROBLEM = "application/problem+json"


def api_errors(response) -> dict:
    assert response["Content-Type"].startswith(PROBLEM), (response.status_code, response.content)
    assert response.status_code in (400, 409, 422), response.status_code
    errors = defaultdict(list)
    for error in response.json()["errors"]:
        errors[error["field"].split(".")[0]].append(error["message"])
    return {field: sorted(messages) for field, messages in errors.items()}


def form_errors(response, form="form") -> dict:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    bound = response.context[form]
    names = {form_name: input_name for form_name, input_name in bound.input_names.items()}
    errors = {}
    for field, messages in bound.errors.items():
        if field == "__all__":
            continue
        errors[names.get(field, field)] = sorted(str(m) for m in messages)
    return errors


def assert_same_errors(api_response, page_response, *, form="form", expected=None):
    """Both paths refuse, naming the same fields with the same messages; with `expected`
    (a set of input field names), those are the fields."""
    on_api, on_page = api_errors(api_response), form_errors(page_response, form)
    assert on_api == on_page, f"API: {on_api}\nconsole: {on_page}"
    assert on_api, "neither path found an error"
    if expected is not None:
        assert set(on_api) == set(expected), on_api
