// What the album pages share: the title-and-description dialog, and how a count of photos reads.
import { ALBUM_NOT_FOUND, describeProblem } from './api.js';
import { ask, field, plural } from './ui.js';

/** The server's limits, kept by the fields themselves so a person cannot type past them. */
const TITLE_MAX = 200;
const DESCRIPTION_MAX = 2000;

/** A message for the next page of this tab: an album page that deleted its album says so on /albums, where it sends you. */
export const FLASH_KEY = 'scrapbook.flash';

/** How an album's size reads on its card and its page. */
export const photoCount = (count) => (count === 0 ? 'No photos yet' : plural(count, 'photo'));

/**
 * The dialog for a new album's title and description, or for changing them. save({ title, description }) makes the
 * change and resolves with the album; what goes wrong is said in the dialog, which stays open until the change is made
 * or given up. Resolves with the saved album, or null.
 */
export async function askAlbumDetails({ title, action, album = null, save }) {
  let saved = null;
  await ask({
    title,
    form: true,
    content: [
      field('Title', 'title', album?.title, { maxLength: TITLE_MAX, required: true }),
      field('Description', 'description', album?.description, { maxLength: DESCRIPTION_MAX, multiline: true, hint: `Optional, up to ${DESCRIPTION_MAX} characters.` }),
    ],
    actions: [{ value: 'cancel', label: 'Cancel' }, { value: 'save', label: action, kind: 'primary' }],
    async check(_, data, form) {
      const text = data.get('title').trim();
      form.elements.title.setAttribute('aria-invalid', String(!text));
      if (!text) return 'Give the album a title.';
      try {
        saved = await save({ title: text, description: data.get('description').trim() });
        return null;
      } catch (error) {
        return describeProblem(error, { notFound: ALBUM_NOT_FOUND });
      }
    },
  });
  return saved;
}
